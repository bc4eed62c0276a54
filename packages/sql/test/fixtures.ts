/** Builders of domain values for the storage contract: every one fresh, so tests never share rows. */
import { Ids, Money, type Contact, type Message, type PhoneNumber, type Template } from "@sent/core"
import { Storage } from "@sent/core"
import { Effect } from "effect"

let clock = Date.UTC(2030, 0, 1)

/** A time-ordered id of a brand, strictly newer than every id made before it by this module. */
export const id = <A extends string>(): A => Ids.uuidv7(++clock) as A

/** A fixed instant (milliseconds round-trip exactly). */
export const at = (offsetMillis = 0) => new Date(Date.UTC(2030, 0, 1) + offsetMillis)

/** A customer stored with a fresh API key hash; returns its id and the hash. */
export const customer = Effect.gen(function*() {
  const customers = yield* Storage.Customers
  const customerId = id<Ids.CustomerId>()
  const apiKeyHash = `hash-${customerId}`
  yield* customers.insert({ id: customerId, name: `Customer ${customerId.slice(-4)}`, createdAt: at() }, apiKeyHash)
  return { customerId, apiKeyHash }
})

let phone = 0

/** A contact with a fresh phone number. */
export const contact = (overrides: Partial<Contact.Contact> = {}): Contact.Contact => ({
  id: id<Ids.ContactId>(),
  phoneNumber: `+1415555${String(++phone).padStart(4, "0")}` as PhoneNumber.E164,
  countryCode: "US" as PhoneNumber.CountryCode,
  availableChannels: ["sms", "whatsapp"],
  name: "Ada",
  createdAt: at(1),
  updatedAt: at(2),
  ...overrides
})

/** A template. */
export const template = (overrides: Partial<Template.Template> = {}): Template.Template => ({
  id: id<Ids.TemplateId>(),
  name: "welcome",
  body: "Hello {{name}}",
  category: "UTILITY",
  channels: ["sms", "whatsapp"],
  variables: ["name"],
  createdAt: at(3),
  updatedAt: at(4),
  ...overrides
})

/** A queued message record of a customer. */
export const message = (
  customerId: Ids.CustomerId,
  overrides: Partial<Message.MessageRecord> = {}
): Message.MessageRecord => ({
  id: id<Ids.MessageId>(),
  customerId,
  contact: { id: id<Ids.ContactId>(), phoneNumber: "+14155550123" as PhoneNumber.E164 },
  template: { id: id<Ids.TemplateId>(), name: "welcome" },
  channel: "sms",
  messageBody: "Hello Ada",
  status: "queued",
  statusHistory: [{ status: "queued", timestamp: at(10), channel: "sms" }],
  channelResponse: null,
  pricing: { originalPrice: Money.micros(7_500), correctedPrice: null, currency: "USD" },
  createdAt: at(10),
  updatedAt: at(10),
  countryCode: "US",
  nationalNumber: "4155550123",
  segments: 1,
  templateCategory: "UTILITY",
  templateParameters: ["Ada"],
  templateChannels: ["sms", "whatsapp"],
  automatic: true,
  provider: null,
  providerMessageId: null,
  charged: Money.micros(7_500),
  ...overrides
})

/** A ledger entry of `amount` micros. */
export const entry = (amount: number, reason: "top_up" | "message_charge" = amount >= 0 ? "top_up" : "message_charge") => ({
  id: id<Ids.LedgerEntryId>(),
  amount: Money.micros(amount),
  reason,
  createdAt: at(5)
})

/** A webhook endpoint. */
export const endpoint = (overrides: Partial<{ enabled: boolean; eventTypes: ReadonlyArray<"message.status.updated"> }> = {}) => ({
  id: id<Ids.WebhookId>(),
  url: "https://example.com/hook",
  eventTypes: overrides.eventTypes ?? ["message.status.updated" as const],
  secret: `whsec_${Math.random().toString(36).slice(2)}`,
  enabled: overrides.enabled ?? true,
  createdAt: at(6)
})

/** A stored `message.status.updated` event of a message. */
export const event = (customerId: Ids.CustomerId, messageId: Ids.MessageId | null, createdAt = at(20)): Storage.StoredEvent => {
  const eventId = id<Ids.EventId>()
  return {
    id: eventId,
    customerId,
    type: "message.status.updated",
    messageId,
    payload: JSON.stringify({ id: eventId, type: "message.status.updated", data: { id: messageId } }),
    createdAt
  }
}
