import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { assert, describe, it } from "@effect/vitest"
import { Storage } from "@sent/core"
import { Migrations, Postgres } from "@sent/sql"
import { Postgres as Pg } from "@sent/testing"
import { Array, Context, Duration, Effect, Fiber, Layer, Option, Redacted } from "effect"
import { storageContract } from "./StorageContract.js"

const freshDatabase = Pg.freshDatabase("sent_test")

/** A store built in the current scope, as a context to provide. */
const store = (url: string) => Layer.build(Postgres.layer({ url }))

await Pg.describeWhenReachable("PostgreSQL", () => {
  storageContract("Postgres", Layer.unwrapScoped(Effect.map(freshDatabase, (url) => Postgres.layer({ url }))))

  describe("Postgres", () => {
    it.scoped("job signals cross processes, and only once their transaction commits", () =>
      Effect.gen(function*() {
        const url = yield* freshDatabase
        const producer = yield* store(url)
        const consumer = yield* store(url)
        const signals = (context: Context.Context<Storage.Storage | SqlClient.SqlClient>) =>
          Context.get(context, Storage.JobSignals)

        const woken = yield* Effect.fork(Effect.timed(signals(consumer).wait("webhooks", 20_000)))
        yield* Effect.sleep("100 millis")
        yield* signals(producer).signal("webhooks")
        assert.isBelow(Duration.toMillis((yield* Fiber.join(woken))[0]), 10_000)

        // Inside a transaction the notification waits for the commit, and a rollback drops it.
        const tx = Context.get(producer, Storage.Transactor)
        const waiting = yield* Effect.fork(signals(consumer).wait("dispatch", 1_500).pipe(Effect.timed))
        yield* Effect.sleep("100 millis")
        yield* tx.withTransaction(Effect.zipRight(signals(producer).signal("dispatch"), Effect.fail("rolled back")))
          .pipe(Effect.ignore)
        assert.isAtLeast(Duration.toMillis((yield* Fiber.join(waiting))[0]), 1_400)
        const committed = yield* Effect.fork(signals(consumer).wait("dispatch", 20_000).pipe(Effect.timed))
        yield* Effect.sleep("100 millis")
        yield* tx.withTransaction(Effect.zipRight(signals(producer).signal("dispatch"), Effect.sleep("300 millis")))
        assert.isBelow(Duration.toMillis((yield* Fiber.join(committed))[0]), 10_000)
      }), 60_000)

    it.scoped("processes starting together migrate a fresh database once", () =>
      Effect.gen(function*() {
        const url = yield* freshDatabase
        const clients = yield* Effect.all(
          Array.makeBy(4, () => PgClient.make({ url: Redacted.make(url) })),
          { concurrency: "unbounded" }
        ).pipe(Effect.provide(Reactivity.layer))
        const ran = yield* Effect.all(
          clients.map((client) => Effect.provideService(Migrations.run, SqlClient.SqlClient, client)),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(ran.map((r) => r.length).sort(), [0, 0, 0, 5])
        const rates = yield* Effect.provideService(
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: string }>`SELECT COUNT(*) AS n FROM rates`),
          SqlClient.SqlClient,
          clients[0]!
        )
        assert.strictEqual(Number(rates[0]!.n), 2)
      }), 60_000)

    it.scoped("two stores on one database never claim the same dispatch job", () =>
      Effect.gen(function*() {
        const url = yield* freshDatabase
        const [a, b] = [yield* store(url), yield* store(url)]
        const jobsOf = (context: Context.Context<Storage.Storage | SqlClient.SqlClient>) =>
          Context.get(context, Storage.DispatchJobs)
        const now = new Date()
        for (let i = 0; i < 200; i++) yield* jobsOf(a).enqueue(crypto.randomUUID() as never, now)
        const claimed = (yield* Effect.all(
          Array.makeBy(10, (i) => jobsOf(i % 2 === 0 ? a : b).claim(`w${i}`, 25, 60_000, now)),
          { concurrency: "unbounded" }
        )).flat()
        assert.strictEqual(claimed.length, 200)
        assert.strictEqual(new Set(claimed.map((j) => j.id)).size, 200)
        assert.isTrue(Option.isNone(Option.filter(yield* jobsOf(b).nextRunAt, (at) => at <= now)))
      }), 60_000)
  })
})
