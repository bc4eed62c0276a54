import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { ContactId, CustomerId, MessageId, TemplateId } from "../src/Ids.js"
import { Message, type MessageRecord, toMessage } from "../src/Message.js"
import { micros } from "../src/Money.js"
import { E164 } from "../src/PhoneNumber.js"

const created = new Date("2025-03-01T12:00:00.000Z")
const sent = new Date("2025-03-01T12:00:01.250Z")
const failedAt = new Date("2025-03-01T12:00:03.500Z")

const queuedMessage: Message = {
  id: MessageId.make("01956a1c-7c00-7000-8000-000000000001"),
  customerId: CustomerId.make("01956a1c-7c00-7000-8000-0000000000c1"),
  contact: { id: ContactId.make("01956a1c-7c00-7000-8000-0000000000a1"), phoneNumber: E164.make("+14155550123") },
  template: { id: TemplateId.make("01956a1c-7c00-7000-8000-0000000000b1"), name: "welcome" },
  channel: "sms",
  messageBody: "Hi Ada, welcome to Sent!",
  status: "queued",
  statusHistory: [{ status: "queued", timestamp: created, channel: "sms" }],
  channelResponse: null,
  pricing: { originalPrice: micros(7_500), correctedPrice: null, currency: "USD" },
  createdAt: created,
  updatedAt: created
}

const failedMessage: Message = {
  ...queuedMessage,
  status: "failed",
  statusHistory: [
    { status: "queued", timestamp: created, channel: "sms" },
    { status: "sent", timestamp: sent, channel: "sms" },
    { status: "failed", timestamp: failedAt, channel: "sms" }
  ],
  channelResponse: { MessageSid: "SM123", MessageStatus: "undelivered", ErrorCode: "30003" },
  pricing: { originalPrice: micros(15_000), correctedPrice: micros(15_000), currency: "USD" },
  error: { code: "30003", message: "Unreachable destination handset", permanent: true },
  updatedAt: failedAt
}

const toJson = (message: Message): unknown => JSON.parse(JSON.stringify(Schema.encodeSync(Message)(message)))

/** The top-level fields of a Message in API.md, `error` aside. */
const apiFields = [
  "channel",
  "channelResponse",
  "contact",
  "createdAt",
  "customerId",
  "id",
  "messageBody",
  "pricing",
  "status",
  "statusHistory",
  "template",
  "updatedAt"
]

describe("Message JSON", () => {
  it("encodes a queued message to the API shape, with a decimal price and no error", () => {
    assert.deepStrictEqual(toJson(queuedMessage), {
      id: "01956a1c-7c00-7000-8000-000000000001",
      customerId: "01956a1c-7c00-7000-8000-0000000000c1",
      contact: { id: "01956a1c-7c00-7000-8000-0000000000a1", phoneNumber: "+14155550123" },
      template: { id: "01956a1c-7c00-7000-8000-0000000000b1", name: "welcome" },
      channel: "sms",
      messageBody: "Hi Ada, welcome to Sent!",
      status: "queued",
      statusHistory: [{ status: "queued", timestamp: "2025-03-01T12:00:00.000Z", channel: "sms" }],
      channelResponse: null,
      pricing: { originalPrice: 0.0075, correctedPrice: null, currency: "USD" },
      createdAt: "2025-03-01T12:00:00.000Z",
      updatedAt: "2025-03-01T12:00:00.000Z"
    })
  })

  it("encodes a failed message with its error, history and final price", () => {
    assert.deepStrictEqual(toJson(failedMessage), {
      id: "01956a1c-7c00-7000-8000-000000000001",
      customerId: "01956a1c-7c00-7000-8000-0000000000c1",
      contact: { id: "01956a1c-7c00-7000-8000-0000000000a1", phoneNumber: "+14155550123" },
      template: { id: "01956a1c-7c00-7000-8000-0000000000b1", name: "welcome" },
      channel: "sms",
      messageBody: "Hi Ada, welcome to Sent!",
      status: "failed",
      statusHistory: [
        { status: "queued", timestamp: "2025-03-01T12:00:00.000Z", channel: "sms" },
        { status: "sent", timestamp: "2025-03-01T12:00:01.250Z", channel: "sms" },
        { status: "failed", timestamp: "2025-03-01T12:00:03.500Z", channel: "sms" }
      ],
      channelResponse: { MessageSid: "SM123", MessageStatus: "undelivered", ErrorCode: "30003" },
      pricing: { originalPrice: 0.015, correctedPrice: 0.015, currency: "USD" },
      error: { code: "30003", message: "Unreachable destination handset", permanent: true },
      createdAt: "2025-03-01T12:00:00.000Z",
      updatedAt: "2025-03-01T12:00:03.500Z"
    })
  })

  it("decodes its own JSON back to the same message", () => {
    for (const message of [queuedMessage, failedMessage]) {
      assert.deepStrictEqual(Schema.decodeUnknownSync(Message)(toJson(message)), message)
    }
  })

  it("rejects a price with more than six decimals and a date that is not ISO-8601", () => {
    const json = toJson(queuedMessage) as Record<string, unknown>
    const decode = Schema.decodeUnknownEither(Message)
    const pricing = { originalPrice: 0.00750001, correctedPrice: null, currency: "USD" }
    assert.isTrue(Either.isLeft(decode({ ...json, pricing })))
    assert.isTrue(Either.isLeft(decode({ ...json, createdAt: "yesterday" })))
    assert.isTrue(Either.isLeft(decode({ ...json, status: "bounced" })))
  })
})

describe("Message.toMessage", () => {
  const record: MessageRecord = {
    ...failedMessage,
    countryCode: "US",
    nationalNumber: "4155550123",
    segments: 2,
    templateCategory: "UTILITY",
    templateParameters: ["Ada"],
    templateChannels: ["sms", "whatsapp"],
    automatic: true,
    provider: "twilio",
    providerMessageId: "SM123",
    charged: micros(15_000)
  }

  it("shows exactly the API fields of a stored message, and error only when present", () => {
    assert.deepStrictEqual(Object.keys(toJson(toMessage(record)) as object).sort(), [...apiFields, "error"].sort())
    const { error: _error, ...healthy } = record
    const json = toJson(toMessage({ ...healthy, status: "sent" }))
    assert.deepStrictEqual(Object.keys(json as object).sort(), apiFields)
  })

  it("leaves the stored-only fields out even when a record is encoded as it is", () => {
    assert.deepStrictEqual(Object.keys(toJson(record) as object).sort(), [...apiFields, "error"].sort())
  })

  it("keeps every API value of the record", () => {
    assert.deepStrictEqual(toMessage(record), failedMessage)
  })

  it("carries the fallback when a message moved channel", () => {
    const fallback = {
      from: "whatsapp" as const,
      to: "sms" as const,
      reason: { code: "131026", message: "Not a WhatsApp user", permanent: true },
      timestamp: sent
    }
    const json = toJson(toMessage({ ...record, fallback })) as { fallback: unknown }
    assert.deepStrictEqual(json.fallback, { ...fallback, timestamp: "2025-03-01T12:00:01.250Z" })
  })
})
