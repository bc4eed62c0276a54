/**
 * Branded GUID identifiers, one brand per entity, and their generator.
 * New ids are UUID v7: time-ordered, so "newest first" is "largest id first" and cursors are ids.
 */
import { Clock, Effect, Schema } from "effect"

const Guid = Schema.UUID

/** Identifies a customer account (the tenant). */
export const CustomerId = Guid.pipe(Schema.brand("CustomerId"))
export type CustomerId = typeof CustomerId.Type
/** Identifies a contact, the recipient of messages. */
export const ContactId = Guid.pipe(Schema.brand("ContactId"))
export type ContactId = typeof ContactId.Type
/** Identifies a message template. */
export const TemplateId = Guid.pipe(Schema.brand("TemplateId"))
export type TemplateId = typeof TemplateId.Type
/** Identifies a message. */
export const MessageId = Guid.pipe(Schema.brand("MessageId"))
export type MessageId = typeof MessageId.Type
/** Identifies a ledger entry. */
export const LedgerEntryId = Guid.pipe(Schema.brand("LedgerEntryId"))
export type LedgerEntryId = typeof LedgerEntryId.Type
/** Identifies a webhook endpoint. */
export const WebhookId = Guid.pipe(Schema.brand("WebhookId"))
export type WebhookId = typeof WebhookId.Type
/** Identifies a webhook event (the `webhook-id` header: stable across retries). */
export const EventId = Guid.pipe(Schema.brand("EventId"))
export type EventId = typeof EventId.Type
/** Identifies one delivery of an event to one endpoint. */
export const DeliveryId = Guid.pipe(Schema.brand("DeliveryId"))
export type DeliveryId = typeof DeliveryId.Type

const hexOfByte = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"))

const hex = (bytes: Uint8Array) => {
  let out = ""
  for (const b of bytes) out += hexOfByte[b]
  return out
}

// Asking the system for 16 random bytes at a time costs more than the rest of an id: draw from a pool.
const pool = new Uint8Array(4096)
let poolOffset = pool.length

const randomBytes16 = (): Uint8Array => {
  if (poolOffset + 16 > pool.length) {
    crypto.getRandomValues(pool)
    poolOffset = 0
  }
  poolOffset += 16
  return pool.slice(poolOffset - 16, poolOffset)
}

// Ids of one millisecond count up in the 12-bit `rand_a` field (RFC 9562 §6.2, method 1), so ids made one
// after another in a process sort in the order they were made: lists are "newest first" by id.
let lastMillis = -1
let counter = 0

/** A UUID v7 for the given wall-clock milliseconds (RFC 9562 §5.7). */
export const uuidv7 = (nowMillis: number): string => {
  const bytes = randomBytes16()
  counter = nowMillis === lastMillis && counter < 0xfff ? counter + 1 : ((bytes[6]! & 0x07) << 8) | bytes[7]!
  lastMillis = nowMillis
  bytes[6] = counter >> 8
  bytes[7] = counter & 0xff
  let ms = nowMillis
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const h = hex(bytes)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * A fresh time-ordered id of the brand of `_schema`, stamped with the Effect `Clock`. A v7 UUID is valid by
 * construction, so it is branded without running the schema's checks on every id.
 */
export const make = <A extends string>(_schema: { readonly make: (s: string) => A }): Effect.Effect<A> =>
  Effect.map(Clock.currentTimeMillis, (now) => uuidv7(now) as A)

/**
 * A fresh id of the brand of `_schema` stamped with a time the caller has read already (one `now` for a
 * unit of work and the ids it makes), so making it is no effect of its own. It is never stamped before the
 * last id made in this process, so ids made one after another still sort in the order they were made.
 */
export const at = <A extends string>(_schema: { readonly make: (s: string) => A }, time: Date): A =>
  uuidv7(Math.max(time.getTime(), lastMillis)) as A
