/**
 * The runnable host server (`npm start` at the repository root): Sent over SQLite (or PostgreSQL with
 * `DATABASE_URL`), the simulated providers (or the live ones), the HTTP API with its docs and the
 * dashboard playground. Settings come from the environment (see `HostConfig`); logs are JSON lines.
 *
 * Shutdown (SIGTERM/SIGINT): the HTTP server stops accepting and gets `httpDeadline` to finish the
 * requests in flight; then the workers get `workerGrace` to finish their jobs and give back the rest;
 * then the store closes and the process exits 0. Unfinished work resumes at the next start.
 */
import { randomBytes } from "node:crypto"
import { createServer } from "node:http"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Auth, RateLimit, Server } from "@sent/http"
import { Callbacks, Live, Simulated } from "@sent/providers"
import { SentLayer } from "@sent/runtime"
import { Postgres, Sqlite } from "@sent/sql"
import { Cause, Console, Duration, Effect, Layer, Logger, Option, Redacted } from "effect"
import * as Banner from "./Banner.js"
import * as GracefulShutdown from "./GracefulShutdown.js"
import * as HostConfig from "./HostConfig.js"
import * as Seed from "./Seed.js"

// Together at most 10 s: requests are short, jobs (provider calls, webhook posts) may take longer.
const httpDeadline = Duration.seconds(3)
const workerGrace = Duration.seconds(7)

const Host = Layer.unwrapEffect(
  Effect.gen(function*() {
    const settings = yield* HostConfig.config
    const generatedAdminKey = Option.isNone(settings.adminKey)
      ? `sent_admin_${randomBytes(32).toString("base64url")}`
      : undefined
    const adminKey = Option.getOrElse(settings.adminKey, () => Redacted.make(generatedAdminKey!))

    const Sent = SentLayer.layer(
      settings.store._tag === "Postgres" ? Postgres.layerConfig : Sqlite.layerConfig,
      settings.provider === "live" ? Live.layerConfig : Simulated.layerConfig,
      {
        allowPrivateWebhooks: settings.allowPrivateWebhooks,
        dispatcher: { shutdownGraceMillis: Duration.toMillis(workerGrace) },
        webhooks: { shutdownGrace: workerGrace }
      }
    )

    const server = createServer()
    const Listening = NodeHttpServer.layer(() => server, { port: settings.port, host: settings.host })

    const Api = Server.layer.pipe(
      Layer.provide([Listening, Layer.succeed(Auth.AdminKey, adminKey), RateLimit.layerConfig, Callbacks.layerConfig])
    )

    const Startup = Layer.scopedDiscard(
      Effect.gen(function*() {
        yield* Effect.addFinalizer(() => Effect.log("Shutting down: finishing the requests and jobs in flight"))
        const demo = yield* Seed.demo
        if (Option.isSome(demo)) yield* Effect.log("Seeded the demo customer").pipe(Effect.annotateLogs("customerId", demo.value.customer.id))
        const address = yield* HttpServer.HttpServer.pipe(Effect.map((http) => http.address))
        const url = address._tag === "TcpAddress" ? Banner.urlOf(address.hostname, address.port) : `unix:${address.path}`
        yield* Effect.log("Sent is listening").pipe(
          Effect.annotateLogs({ url, store: settings.store._tag, provider: settings.provider })
        )
        yield* Console.log(Banner.render({ url, generatedAdminKey, demo: Option.getOrUndefined(demo) }))
      })
    ).pipe(Layer.provide(Listening))

    return Layer.mergeAll(Api, Startup, GracefulShutdown.layer(server, httpDeadline).pipe(Layer.provide(Listening))).pipe(
      Layer.provide(Sent)
    )
  })
)

NodeRuntime.runMain(
  Layer.launch(Host).pipe(
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("Sent stopped on an error", cause)
    ),
    Effect.provide(Logger.json)
  ),
  { disablePrettyLogger: true, disableErrorReporting: true }
)
