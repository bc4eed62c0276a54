import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { ContactId, CustomerId, DeliveryId, EventId, MessageId, TemplateId } from "../src/Ids.js"
import type { Message } from "../src/Message.js"
import { micros } from "../src/Money.js"
import { E164 } from "../src/PhoneNumber.js"
import { Delivery, MessageStatusUpdated } from "../src/Webhook.js"

const at = new Date("2025-03-01T12:00:02.000Z")

const message: Message = {
  id: MessageId.make("01956a1c-7c00-7000-8000-000000000001"),
  customerId: CustomerId.make("01956a1c-7c00-7000-8000-0000000000c1"),
  contact: { id: ContactId.make("01956a1c-7c00-7000-8000-0000000000a1"), phoneNumber: E164.make("+14155550123") },
  template: { id: TemplateId.make("01956a1c-7c00-7000-8000-0000000000b1"), name: "welcome" },
  channel: "whatsapp",
  messageBody: "Hi Ada",
  status: "delivered",
  statusHistory: [
    { status: "queued", timestamp: new Date("2025-03-01T12:00:00.000Z"), channel: "whatsapp" },
    { status: "delivered", timestamp: at, channel: "whatsapp" }
  ],
  channelResponse: { id: "wamid.1", status: "delivered" },
  pricing: { originalPrice: micros(5_000), correctedPrice: micros(5_000), currency: "USD" },
  createdAt: new Date("2025-03-01T12:00:00.000Z"),
  updatedAt: at
}

describe("Webhook.MessageStatusUpdated", () => {
  it("encodes to { id, type, timestamp, data: Message JSON }", () => {
    const event: MessageStatusUpdated = {
      id: EventId.make("01956a1c-7c00-7000-8000-0000000000e1"),
      type: "message.status.updated",
      timestamp: at,
      data: message
    }
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(MessageStatusUpdated)(event)))
    assert.deepStrictEqual(Object.keys(json).sort(), ["data", "id", "timestamp", "type"])
    assert.strictEqual(json.id, "01956a1c-7c00-7000-8000-0000000000e1")
    assert.strictEqual(json.type, "message.status.updated")
    assert.strictEqual(json.timestamp, "2025-03-01T12:00:02.000Z")
    assert.strictEqual(json.data.status, "delivered")
    assert.strictEqual(json.data.pricing.correctedPrice, 0.005)
    assert.deepStrictEqual(Schema.decodeUnknownSync(MessageStatusUpdated)(json), event)
  })
})

describe("Webhook.Delivery", () => {
  it("encodes the delivery log record of API.md, leaving out absent optional fields", () => {
    const pending: Delivery = {
      id: DeliveryId.make("01956a1c-7c00-7000-8000-0000000000d1"),
      eventId: EventId.make("01956a1c-7c00-7000-8000-0000000000e1"),
      attempt: 1,
      status: "pending",
      createdAt: at
    }
    assert.deepStrictEqual(JSON.parse(JSON.stringify(Schema.encodeSync(Delivery)(pending))), {
      id: "01956a1c-7c00-7000-8000-0000000000d1",
      eventId: "01956a1c-7c00-7000-8000-0000000000e1",
      attempt: 1,
      status: "pending",
      createdAt: "2025-03-01T12:00:02.000Z"
    })
    const failed: Delivery = {
      ...pending,
      messageId: message.id,
      status: "failed",
      responseStatus: 503,
      latencyMs: 12.5,
      error: "Service Unavailable"
    }
    assert.deepStrictEqual(Object.keys(Schema.encodeSync(Delivery)(failed)).sort(), [
      "attempt",
      "createdAt",
      "error",
      "eventId",
      "id",
      "latencyMs",
      "messageId",
      "responseStatus",
      "status"
    ])
    for (const delivery of [pending, failed]) {
      assert.deepStrictEqual(Schema.decodeUnknownSync(Delivery)(Schema.encodeSync(Delivery)(delivery)), delivery)
    }
    const retrying = { ...Schema.encodeSync(Delivery)(pending), status: "retrying" }
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Delivery)(retrying)))
  })
})
