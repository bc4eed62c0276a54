/** The Webhooks group: endpoints, secret rotation, test events, the delivery log and replay. */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Ids, Webhook } from "@sent/core"
import { Schema } from "effect"
import { Authentication } from "../Auth.js"
import * as ErrorEnvelope from "../ErrorEnvelope.js"
import * as Lists from "../Lists.js"
import { IdPath } from "../PathIds.js"

/** The body of `POST /v1/webhooks`. */
export const CreateWebhook = Schema.Struct({
  url: Schema.String.annotations({ description: "An http(s) URL on a public address" }),
  eventTypes: Schema.optionalWith(Schema.Array(Webhook.EventType), { nullable: true, exact: true })
}).annotations({ identifier: "CreateWebhook" })

/** The answer of `POST /v1/webhooks/{id}/test`: the id of the queued `webhook.test` event. */
export const TestQueued = Schema.Struct({ eventId: Ids.EventId }).annotations({ identifier: "TestQueued" })

/** A replay of the events created in `[since, until)` (until defaults to now). */
export const ReplayRange = Schema.Struct({
  since: Schema.Date.annotations({ description: "ISO-8601" }),
  until: Schema.optionalWith(Schema.Date, { nullable: true, exact: true }),
  eventId: Schema.optionalWith(Schema.Never, { exact: true })
}).annotations({ identifier: "ReplayRange" })

/** A replay of one event the endpoint was sent before. */
export const ReplayEvent = Schema.Struct({
  eventId: Ids.EventId,
  since: Schema.optionalWith(Schema.Never, { exact: true }),
  until: Schema.optionalWith(Schema.Never, { exact: true })
}).annotations({ identifier: "ReplayEvent" })

/** The body of `POST /v1/webhooks/{id}/replay`: a time range or one event, never both. */
export const Replay = Schema.Union(ReplayRange, ReplayEvent).annotations({ identifier: "Replay" })

/** How many events a replay queued again. */
export const Replayed = Schema.Struct({ replayed: Schema.Int }).annotations({ identifier: "Replayed" })

/** The Webhooks endpoints. */
export class WebhooksApi extends HttpApiGroup.make("webhooks")
  .add(
    HttpApiEndpoint.post("create", "/v1/webhooks")
      .setPayload(CreateWebhook)
      .addSuccess(Webhook.WebhookEndpoint, { status: 201 })
      .addError(ErrorEnvelope.WebhookUrlForbidden)
      .annotate(OpenApi.Summary, "Register a webhook endpoint (answers its signing secret)")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/webhooks")
      .setUrlParams(Lists.ListParams)
      .addSuccess(Lists.Page(Webhook.WebhookEndpoint))
      .annotate(OpenApi.Summary, "List webhook endpoints, newest first")
  )
  .add(
    HttpApiEndpoint.get("get", "/v1/webhooks/:id")
      .setPath(IdPath)
      .addSuccess(Webhook.WebhookEndpoint)
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Read a webhook endpoint with its current secret")
  )
  .add(
    HttpApiEndpoint.del("delete", "/v1/webhooks/:id")
      .setPath(IdPath)
      .addSuccess(HttpApiSchema.NoContent)
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Delete a webhook endpoint")
  )
  .add(
    HttpApiEndpoint.post("rotateSecret", "/v1/webhooks/:id/rotate-secret")
      .setPath(IdPath)
      .addSuccess(Webhook.WebhookEndpoint)
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Rotate the signing secret (the old one keeps signing for 24 h)")
  )
  .add(
    HttpApiEndpoint.post("test", "/v1/webhooks/:id/test")
      .setPath(IdPath)
      .addSuccess(TestQueued, { status: 202 })
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Deliver a webhook.test event")
  )
  .add(
    HttpApiEndpoint.get("deliveries", "/v1/webhooks/:id/deliveries")
      .setPath(IdPath)
      .setUrlParams(Lists.ListParams)
      .addSuccess(Lists.Page(Webhook.Delivery))
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "The delivery log, newest first")
  )
  .add(
    HttpApiEndpoint.post("replay", "/v1/webhooks/:id/replay")
      .setPath(IdPath)
      .setPayload(Replay)
      .addSuccess(Replayed, { status: 202 })
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Deliver again the endpoint's events created in [since, until), or one event by its id")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Webhooks")
{}
