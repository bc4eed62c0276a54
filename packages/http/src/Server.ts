/**
 * The server: the `SentApi` implemented and served on whatever `HttpServer` the host provides, with
 * the OpenAPI document at `/openapi.json`, Swagger UI at `/docs`, `/healthz`, and the dashboard at `/`.
 *
 * In front of the API sit the body checks (`RequestBody.guard`) and the one place every failure becomes
 * its envelope (`ErrorEnvelope.fromCause`), so no error of any kind leaves without it.
 */
import { Headers, HttpApiBuilder, HttpApiSwagger, HttpMiddleware, type HttpRouter, type HttpServer } from "@effect/platform"
import type { Accounts, ContactBook, Messaging, TemplateCatalog } from "@sent/core"
import * as DashboardPage from "@sent/dashboard"
import type { Callbacks } from "@sent/providers"
import type { WebhookEndpoints } from "@sent/webhooks"
import { Effect, Layer } from "effect"
import * as Admin from "./admin/Http.js"
import { SentApi } from "./Api.js"
import * as Auth from "./Auth.js"
import * as Balance from "./balance/Http.js"
import * as Contacts from "./contacts/Http.js"
import * as ErrorEnvelope from "./ErrorEnvelope.js"
import * as Messages from "./messages/Http.js"
import * as ProviderCallbacks from "./providerCallbacks/Http.js"
import type { RateLimiter } from "./RateLimit.js"
import * as RequestBody from "./RequestBody.js"
import * as System from "./system/Http.js"
import * as Templates from "./templates/Http.js"
import * as Webhooks from "./webhooks/Http.js"

export { Dashboard } from "./system/Http.js"

/** The services the server calls, which the host provides. */
export type Services =
  | Accounts.Accounts
  | ContactBook.ContactBook
  | TemplateCatalog.TemplateCatalog
  | Messaging.Messaging
  | WebhookEndpoints.WebhookEndpoints
  | Callbacks.ProviderCallbacks
  | RateLimiter
  | Auth.AdminKey

/** How the server behaves. */
export interface Options {
  /**
   * A span per request. Off by default: with no tracer configured the spans cost on every request and
   * go nowhere. Turn it on when the host provides a tracer.
   */
  readonly tracing?: boolean | undefined
  /** The page at `/` and `/dashboard`; by default the dashboard package's playground. */
  readonly dashboardHtml?: string | undefined
}

/** Every group implemented, with its authentication. */
export const apiLayer = HttpApiBuilder.api(SentApi).pipe(
  Layer.provide(
    Layer.mergeAll(
      Messages.layer,
      Contacts.layer,
      Templates.layer,
      Balance.layer,
      Webhooks.layer,
      Admin.layer,
      ProviderCallbacks.layer,
      System.layer
    )
  ),
  Layer.provide([Auth.layer, Auth.adminLayer])
)

/** The body checks, and every failure turned into its envelope. */
const envelopes = HttpApiBuilder.middleware((app) => Effect.catchAllCause(RequestBody.guard(app), ErrorEnvelope.fromCause))

// Credentials and provider signatures never reach a span or a log line.
const redactedHeaders = ["authorization", "cookie", "set-cookie", "x-api-key", "x-admin-key", "x-twilio-signature", "x-hub-signature-256"]

/** The API served on the host's `HttpServer`, with the given options. */
export const layerWith = (
  options: Options = {}
): Layer.Layer<never, never, HttpServer.HttpServer | HttpRouter.HttpRouter.DefaultServices | Services> => {
  const served = HttpApiBuilder.serve().pipe(
    Layer.provide([HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" }), HttpApiSwagger.layer({ path: "/docs" }), envelopes]),
    Layer.provide(apiLayer),
    Layer.provide(System.Dashboard.layer(options.dashboardHtml ?? DashboardPage.html)),
    Layer.locally(Headers.currentRedactedNames, redactedHeaders)
  )
  return options.tracing === true ? served : HttpMiddleware.withTracerDisabledWhen(served, () => true)
}

/** The API served on the host's `HttpServer`: no per-request spans, the dashboard package's playground at `/`. */
export const layer = layerWith()
