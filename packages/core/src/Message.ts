/**
 * The Message: the record of one communication to a contact, exactly as the product page describes it,
 * plus `error` once it has failed and `fallback` when it was re-routed from WhatsApp to SMS.
 */
import { Schema } from "effect"
import { Channel } from "./Channel.js"
import { ContactSummary } from "./Contact.js"
import { CustomerId, MessageId } from "./Ids.js"
import { MessageError, MessageStatus, StatusHistoryEntry } from "./MessageStatus.js"
import { Amount, Currency, type Micros } from "./Money.js"
import { type Category, TemplateSummary } from "./Template.js"

/** What a message costs: the quote at send time and, once known, the final cost. */
export const Pricing = Schema.Struct({
  originalPrice: Amount,
  correctedPrice: Schema.NullOr(Amount),
  currency: Currency
}).annotations({ identifier: "Pricing" })
export type Pricing = typeof Pricing.Type

/** Why and when an automatically chosen WhatsApp send moved to SMS. */
export const Fallback = Schema.Struct({
  from: Channel,
  to: Channel,
  reason: MessageError,
  timestamp: Schema.Date
}).annotations({ identifier: "Fallback" })
export type Fallback = typeof Fallback.Type

/** A message as the API and webhooks show it. */
export const Message = Schema.Struct({
  id: MessageId,
  customerId: CustomerId,
  contact: ContactSummary,
  template: TemplateSummary,
  channel: Channel,
  messageBody: Schema.String,
  status: MessageStatus,
  statusHistory: Schema.Array(StatusHistoryEntry),
  channelResponse: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  pricing: Pricing,
  error: Schema.optional(MessageError),
  fallback: Schema.optional(Fallback),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}).annotations({ identifier: "Message" })
export type Message = typeof Message.Type

/**
 * A message as it is stored: the Message plus what dispatch and settlement need and the API does not show.
 */
export interface MessageRecord extends Message {
  readonly countryCode: string
  readonly nationalNumber: string
  /** SMS segments of the body (1 on WhatsApp). */
  readonly segments: number
  readonly templateCategory: Category
  /** The template's variables in placeholder order, as WhatsApp's positional parameters. */
  readonly templateParameters: ReadonlyArray<string>
  /** The template's channels, which bound the fallback. */
  readonly templateChannels: ReadonlyArray<Channel>
  /** Whether Sent chose the channel (only then may it fall back). */
  readonly automatic: boolean
  /** The provider that accepted the message, and its id for it, once accepted. */
  readonly provider: string | null
  readonly providerMessageId: string | null
  /** What the customer is charged for this message right now, net of refunds and corrections. */
  readonly charged: Micros
}

/**
 * Whether a message still waits for a provider to accept it: `queued`, or `sent` on WhatsApp and then
 * re-routed to SMS when WhatsApp reported the recipient has no WhatsApp (the provider id is dropped then).
 */
export const awaitsSend = (record: MessageRecord): boolean =>
  record.providerMessageId === null && (record.status === "queued" || record.status === "sent")

/** The API's view of a stored message. */
export const toMessage = (record: MessageRecord): Message => ({
  id: record.id,
  customerId: record.customerId,
  contact: record.contact,
  template: record.template,
  channel: record.channel,
  messageBody: record.messageBody,
  status: record.status,
  statusHistory: record.statusHistory,
  channelResponse: record.channelResponse,
  pricing: record.pricing,
  ...(record.error !== undefined ? { error: record.error } : {}),
  ...(record.fallback !== undefined ? { fallback: record.fallback } : {}),
  createdAt: record.createdAt,
  updatedAt: record.updatedAt
})
