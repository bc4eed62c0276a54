/**
 * The events webhooks produce themselves, beside the `message.status.updated` events of status tracking:
 * `webhook.test` (sent on request) and `webhook.disabled` (recorded when Sent stops delivering to an
 * endpoint). Each is stored as the exact JSON body that is signed and sent.
 */
import { Ids, type Storage } from "@sent/core"
import { Clock, Effect, Schema } from "effect"

/** The body of `POST /v1/webhooks/{id}/test`'s delivery. */
export const WebhookTest = Schema.Struct({
  id: Ids.EventId,
  type: Schema.Literal("webhook.test"),
  timestamp: Schema.Date,
  data: Schema.Struct({ webhookId: Ids.WebhookId })
}).annotations({ identifier: "WebhookTest" })
export type WebhookTest = typeof WebhookTest.Type

/** Why an endpoint was disabled: it answered 410 Gone, or its deliveries kept failing. */
export const DisabledReason = Schema.Literal("gone", "sustained-failure")
export type DisabledReason = typeof DisabledReason.Type

/** The record of an endpoint being disabled, kept in its delivery log. */
export const WebhookDisabled = Schema.Struct({
  id: Ids.EventId,
  type: Schema.Literal("webhook.disabled"),
  timestamp: Schema.Date,
  data: Schema.Struct({
    webhookId: Ids.WebhookId,
    reason: DisabledReason,
    /** Failed deliveries in a row when it was disabled. */
    consecutiveFailures: Schema.Int,
    /** When the run of failures began. */
    failingSince: Schema.NullOr(Schema.Date)
  })
}).annotations({ identifier: "WebhookDisabled" })
export type WebhookDisabled = typeof WebhookDisabled.Type

const stored = <A extends { readonly id: Ids.EventId; readonly type: Storage.StoredEvent["type"]; readonly timestamp: Date }, I>(
  schema: Schema.Schema<A, I>,
  customerId: Ids.CustomerId,
  event: A
): Storage.StoredEvent => ({
  id: event.id,
  customerId,
  type: event.type,
  messageId: null,
  payload: JSON.stringify(Schema.encodeSync(schema)(event)),
  createdAt: event.timestamp
})

/** A new `webhook.test` event for the endpoint. */
export const test = (customerId: Ids.CustomerId, webhookId: Ids.WebhookId): Effect.Effect<Storage.StoredEvent> =>
  Effect.gen(function* () {
    const id = yield* Ids.make(Ids.EventId)
    const timestamp = new Date(yield* Clock.currentTimeMillis)
    return stored(WebhookTest, customerId, { id, type: "webhook.test", timestamp, data: { webhookId } })
  })

/** A new `webhook.disabled` event for the endpoint. */
export const disabled = (
  customerId: Ids.CustomerId,
  data: WebhookDisabled["data"]
): Effect.Effect<Storage.StoredEvent> =>
  Effect.gen(function* () {
    const id = yield* Ids.make(Ids.EventId)
    const timestamp = new Date(yield* Clock.currentTimeMillis)
    return stored(WebhookDisabled, customerId, { id, type: "webhook.disabled", timestamp, data })
  })
