/**
 * The shared store: PostgreSQL with every storage port, migrated when the layer is built, for several
 * processes (API and workers) at once. Claims skip each other's locked rows, and job wake-ups cross
 * processes through `pg_notify` and LISTEN (workers keep their polling backstop for lost notifications).
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { MigrationError } from "@effect/sql/Migrator"
import { Storage } from "@sent/core"
import { Config, type ConfigError, Deferred, Effect, Layer, Redacted, Schedule, Stream } from "effect"
import * as Migrations from "./Migrations.js"
import * as Signals from "./Signals.js"
import * as SqlStorage from "./SqlStorage.js"

/** Where the database lives. */
export interface Options {
  /** A `postgres://` connection URL. */
  readonly url: string | Redacted.Redacted<string>
}

/** What building a store can fail with. */
export type BuildError = SqlError | MigrationError | ConfigError.ConfigError

/** The notification channel of job wake-ups; the payload names the queue. */
export const channel = "sent_jobs"

const READY = "ready"

const isQueue = (payload: string): payload is Storage.Queue => payload === "dispatch" || payload === "webhooks"

/**
 * `JobSignals` across processes. A signal is a `pg_notify`, which PostgreSQL delivers when the signalling
 * transaction commits (`PgClient.notify` in sql-pg 0.53 sends a parameterised NOTIFY that PostgreSQL
 * rejects). One LISTEN per process feeds an in-process hub; the layer is ready once its own notification
 * came back, so no signal sent after it is built can be missed.
 */
export const jobSignals: Layer.Layer<Storage.JobSignals, SqlError, PgClient.PgClient> = Layer.scoped(
  Storage.JobSignals,
  Effect.gen(function*() {
    const pg = yield* PgClient.PgClient
    const hub = yield* Signals.makeHub
    const listening = yield* Deferred.make<void>()
    const notify = (payload: string) => pg`SELECT pg_notify(${channel}, ${payload})`
    yield* pg.listen(channel).pipe(
      Stream.runForEach((payload) => isQueue(payload) ? hub.wake(payload) : Deferred.succeed(listening, undefined)),
      Effect.tapErrorCause((cause) => Effect.logWarning("job signal listener lost its connection; retrying", cause)),
      Effect.retry(Schedule.spaced("1 second")),
      Effect.forkScoped
    )
    // LISTEN starts in the background: notify until the listener hears itself.
    yield* notify(READY).pipe(
      Effect.zipRight(Deferred.await(listening).pipe(Effect.timeoutOption("100 millis"))),
      Effect.repeat({ until: (heard) => heard._tag === "Some" }),
      Effect.timeoutFail({
        duration: "10 seconds",
        onTimeout: () => new Error("LISTEN did not start within 10 seconds")
      }),
      Effect.orDie
    )
    return Storage.JobSignals.of({
      signal: (queue) => notify(queue).pipe(Effect.asVoid, Effect.orDie),
      wait: hub.wait
    })
  })
)

const connect = (options: Options) =>
  Migrations.layer.pipe(
    Layer.provideMerge(
      PgClient.layer({
        url: typeof options.url === "string" ? Redacted.make(options.url) : options.url,
        applicationName: "sent"
      })
    )
  )

/** Every storage port and the `SqlClient`, over the PostgreSQL database at `url`. */
export const layer = (options: Options): Layer.Layer<Storage.Storage | SqlClient.SqlClient, BuildError> =>
  Layer.mergeAll(SqlStorage.layer, jobSignals).pipe(Layer.provideMerge(connect(options)))

/** `layer` over the database named by `DATABASE_URL`. */
export const layerConfig: Layer.Layer<Storage.Storage | SqlClient.SqlClient, BuildError> = Layer.unwrapEffect(
  Effect.map(Config.redacted("DATABASE_URL"), (url) => layer({ url }))
)
