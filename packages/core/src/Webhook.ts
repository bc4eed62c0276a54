/** Webhook endpoints, the events pushed to them, and the log of each delivery attempt. */
import { Schema } from "effect"
import { DeliveryId, EventId, MessageId, WebhookId } from "./Ids.js"
import { Message } from "./Message.js"

/** The event types an endpoint can subscribe to. */
export const EventType = Schema.Literal("message.status.updated")
export type EventType = typeof EventType.Type

/** A customer's webhook endpoint, with its current signing secret (`whsec_…`). */
export const WebhookEndpoint = Schema.Struct({
  id: WebhookId,
  url: Schema.String,
  eventTypes: Schema.Array(EventType),
  secret: Schema.String,
  enabled: Schema.Boolean,
  createdAt: Schema.Date
}).annotations({ identifier: "WebhookEndpoint" })
export type WebhookEndpoint = typeof WebhookEndpoint.Type

/** The payload of a `message.status.updated` event: the full Message after the change. */
export const MessageStatusUpdated = Schema.Struct({
  id: EventId,
  type: Schema.Literal("message.status.updated"),
  timestamp: Schema.Date,
  data: Message
}).annotations({ identifier: "MessageStatusUpdated" })
export type MessageStatusUpdated = typeof MessageStatusUpdated.Type

/** The outcome of one delivery record. */
export const DeliveryStatus = Schema.Literal("pending", "succeeded", "failed")
export type DeliveryStatus = typeof DeliveryStatus.Type

/** One delivery of an event to an endpoint, as the delivery log shows it. */
export const Delivery = Schema.Struct({
  id: DeliveryId,
  eventId: EventId,
  messageId: Schema.optional(MessageId),
  attempt: Schema.Int,
  status: DeliveryStatus,
  responseStatus: Schema.optional(Schema.Int),
  latencyMs: Schema.optional(Schema.Number),
  error: Schema.optional(Schema.String),
  createdAt: Schema.Date
}).annotations({ identifier: "Delivery" })
export type Delivery = typeof Delivery.Type
