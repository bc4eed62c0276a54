/**
 * The server under test: `Server.layer` on `NodeHttpServer.layerTest` over Sent composed on a real SQLite
 * file with the simulated provider, and clients for it — typed (`HttpApiClient`) and raw (`HttpClient`,
 * for the malformed requests a typed client cannot send).
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { HttpApiClient, HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Money } from "@sent/core"
import { Callbacks, Simulated } from "@sent/providers"
import { SentLayer } from "@sent/runtime"
import { Sqlite } from "@sent/sql"
import { Effect, Layer, Redacted } from "effect"
import { Api, Auth, RateLimit, Server } from "../src/index.js"

/** The operator key the test servers are configured with. */
export const adminKey = "test-admin-key"

/** The provider secrets the test servers check callbacks with. */
export const callbackSecrets = {
  twilio: { authToken: Redacted.make("twilio-token"), statusCallbackUrl: "https://sent.example/providers/twilio/status" },
  whatsappAppSecret: Redacted.make("meta-app-secret"),
  whatsappVerifyToken: Redacted.make("meta-verify-token")
} satisfies Callbacks.CallbacksConfig

/** A fresh SQLite file in a temp directory. */
export const tempDatabase = (): string => join(mkdtempSync(join(tmpdir(), "sent-http-")), "sent.db")

/** How a test server is set up. */
export interface WorldOptions {
  readonly rateLimit?: Partial<RateLimit.Options> | undefined
  /** Run the dispatch and webhook workers (default false: messages stay `queued`). */
  readonly workers?: boolean | undefined
  readonly allowPrivateWebhooks?: boolean | undefined
  readonly callbacks?: Callbacks.CallbacksConfig | undefined
}

/** The server on a random port, with an `HttpClient` pointed at it and Sent's services beside it. */
export const world = (options: WorldOptions = {}) => {
  const sent = SentLayer.layer(Sqlite.layer({ filename: tempDatabase() }), Simulated.layer({ delayMillis: 0 }), {
    workers: options.workers ?? false,
    allowPrivateWebhooks: options.allowPrivateWebhooks ?? true
  })
  const host = Layer.mergeAll(
    RateLimit.layer(options.rateLimit ?? { requestsPerSecond: 1_000_000 }),
    Layer.succeed(Auth.AdminKey, Redacted.make(adminKey)),
    Callbacks.layer(options.callbacks ?? callbackSecrets)
  )
  return Server.layer.pipe(
    Layer.provide(host),
    Layer.provideMerge(sent),
    Layer.provideMerge(NodeHttpServer.layerTest)
  )
}

/** A typed client; with an API key, every request carries it. */
export const client = (apiKey?: string) =>
  HttpApiClient.make(Api.SentApi, {
    transformClient: apiKey === undefined ? undefined : HttpClient.mapRequest(HttpClientRequest.setHeader("x-api-key", apiKey))
  })

/** A typed client for the operator. */
export const adminClient = HttpApiClient.make(Api.SentApi, {
  transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("x-admin-key", adminKey))
})

/** A new customer through the operator API, topped up with `balance` USD, and its typed client. */
export const customer = (balance = 10) =>
  Effect.gen(function*() {
    const admin = yield* adminClient
    const created = yield* admin.admin.createCustomer({ payload: { name: "Acme" } })
    if (balance > 0) {
      yield* admin.admin.topUp({ path: { id: created.id }, payload: { amount: Money.micros(Math.round(balance * 1_000_000)) } })
    }
    return { id: created.id, apiKey: created.apiKey, api: yield* client(created.apiKey) }
  })

/** The status and parsed JSON body of a response (`null` for an empty body). */
export const read = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.map(response.text, (text) => ({
    status: response.status,
    headers: response.headers,
    body: (text === "" ? null : JSON.parse(text)) as unknown
  }))

/** A raw request: method, path, headers and body exactly as given. */
export const raw = (
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  options: { readonly headers?: Record<string, string>; readonly body?: string | Uint8Array; readonly contentType?: string } = {}
) =>
  Effect.flatMap(HttpClient.HttpClient, (http) => {
    let request = HttpClientRequest.make(method)(path).pipe(HttpClientRequest.setHeaders(options.headers ?? {}))
    if (options.body !== undefined) {
      request = typeof options.body === "string"
        ? HttpClientRequest.bodyText(request, options.body, options.contentType)
        : HttpClientRequest.bodyUint8Array(request, options.body, options.contentType)
    }
    return Effect.flatMap(http.execute(request), read)
  }).pipe(Effect.scoped)

/** A raw JSON request. */
export const json = (
  method: "POST" | "PUT" | "DELETE" | "GET",
  path: string,
  body: unknown,
  headers: Record<string, string> = {}
) => raw(method, path, { headers, body: JSON.stringify(body), contentType: "application/json" })

/** A valid US number whose national number ends in `ending` (the simulated provider's outcome selector). */
export const usNumber = (ending: string, middle = "01"): string => `+1415555${middle}${ending}`

/** The error envelope's code of a raw response body. */
export const codeOf = (body: unknown): string | undefined =>
  typeof body === "object" && body !== null && "error" in body && typeof body.error === "object" && body.error !== null &&
    "code" in body.error && typeof body.error.code === "string"
    ? body.error.code
    : undefined
