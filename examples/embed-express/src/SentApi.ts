/**
 * Sent's HTTP API as a Node request handler an Express app mounts (`app.use("/sent", api.handler)`),
 * running on the same Sent instance as the host's `createSent` facade: one store, one set of workers.
 *
 * `Server.layer` serves on whatever `HttpServer` it is given; here that server does not listen, it hands
 * the finished request handler over to Express instead.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Auth, RateLimit, Server } from "@sent/http"
import { Callbacks } from "@sent/providers"
import type { Sent } from "@sent/runtime"
import { Deferred, Effect, Exit, Layer, Redacted, Scope } from "effect"

/** A Node request handler, which Express accepts as middleware. */
export type NodeHandler = (request: IncomingMessage, response: ServerResponse) => void

/** Sent's API, mounted: the handler, and `close` to stop serving. */
export interface SentApi {
  readonly handler: NodeHandler
  readonly close: () => Promise<void>
}

/** What the mounted API needs beyond the Sent instance. */
export interface Options {
  /** The `x-admin-key` of the operator routes (`/admin/...`). */
  readonly adminKey: string
  /** Requests a second per API key (default 100, bursts of twice that). */
  readonly rateLimit?: number | undefined
  /** Provider callback secrets; without them every callback is refused. */
  readonly callbacks?: Callbacks.CallbacksConfig | undefined
}

/** Builds Sent's API over `sent` (a `createSent` facade). */
export const make = async (sent: Sent.Sent, options: Options): Promise<SentApi> => {
  const services = Layer.succeedContext((await sent.runtime.runtime()).context)
  const program = Effect.gen(function*() {
    const served = yield* Deferred.make<NodeHandler>()
    const handOver = HttpServer.make({
      address: { _tag: "TcpAddress", hostname: "express", port: 0 },
      serve: (app, middleware) =>
        Effect.flatMap(NodeHttpServer.makeHandler(app, middleware!), (handler) => Deferred.succeed(served, handler))
    })
    const scope = yield* Scope.make()
    yield* Layer.buildWithScope(
      Server.layer.pipe(
        Layer.provide([
          Layer.succeed(HttpServer.HttpServer, handOver),
          NodeHttpServer.layerContext,
          Layer.succeed(Auth.AdminKey, Redacted.make(options.adminKey)),
          RateLimit.layer(options.rateLimit === undefined ? {} : { requestsPerSecond: options.rateLimit }),
          Callbacks.layer(options.callbacks ?? {}).pipe(Layer.provide(services)),
          services
        ])
      ),
      scope
    )
    return { handler: yield* Deferred.await(served), scope }
  })
  const { handler, scope } = await Effect.runPromise(program)
  return { handler, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}
