/**
 * Messages with their status history, over `SqlClient`. The record's scalar fields are columns (so lists
 * filter and callbacks look messages up by provider id through indexes); its nested parts are JSON text.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Channel, Ids, Message, MessageStatus, PhoneNumber, Template } from "@sent/core"
import { Money, Storage } from "@sent/core"
import type * as Statement from "@effect/sql/Statement"
import { Array, Effect, Layer, Option } from "effect"
import * as Dialect from "./Dialect.js"
import * as Page from "./internal/Page.js"
import { call, chunked, chunkedWrite, date, flag, int, intOrNull, isSet, millis } from "./internal/Rows.js"

// Hand-written codecs for the JSON columns read on every status change and list: the rows are our own
// writes, so validating them again would only cost time. Dates are ISO strings (`Date#toJSON`), the
// same encoding `Schema.Date` uses.
const encodeHistory = (history: ReadonlyArray<MessageStatus.StatusHistoryEntry>): string => JSON.stringify(history)
// The parsed entries are fresh objects, so their timestamps are turned into dates in place.
const decodeHistory = (json: string): ReadonlyArray<MessageStatus.StatusHistoryEntry> => {
  const entries = JSON.parse(json) as Array<{ status: MessageStatus.MessageStatus; timestamp: string | Date; channel?: Channel.Channel }>
  for (const entry of entries) entry.timestamp = new Date(entry.timestamp)
  return entries as ReadonlyArray<MessageStatus.StatusHistoryEntry>
}
const encodeFallback = (fallback: Message.Fallback): string => JSON.stringify(fallback)
const decodeFallback = (json: string): Message.Fallback => {
  const fallback = JSON.parse(json) as Omit<Message.Fallback, "timestamp"> & { readonly timestamp: string }
  return { ...fallback, timestamp: new Date(fallback.timestamp) }
}

interface MessageRow {
  readonly id: string
  readonly customer_id: string
  readonly contact_id: string
  readonly contact_phone_number: string
  readonly template_id: string
  readonly template_name: string
  readonly channel: Channel.Channel
  readonly message_body: string
  readonly status: MessageStatus.MessageStatus
  readonly status_history: string
  readonly channel_response: string | null
  readonly original_price: number | string
  readonly corrected_price: number | string | null
  readonly currency: "USD"
  readonly error: string | null
  readonly fallback: string | null
  readonly created_at: number | string
  readonly updated_at: number | string
  readonly country_code: string
  readonly national_number: string
  readonly segments: number | string
  readonly template_category: Template.Category
  readonly template_parameters: string
  readonly template_channels: string
  readonly automatic: number | string
  readonly provider: string | null
  readonly provider_message_id: string | null
  readonly charged: number | string
}

/** The columns of a stored message. */
export const toRow = (record: Message.MessageRecord) => ({
  id: record.id,
  customer_id: record.customerId,
  contact_id: record.contact.id,
  contact_phone_number: record.contact.phoneNumber,
  template_id: record.template.id,
  template_name: record.template.name,
  channel: record.channel,
  message_body: record.messageBody,
  status: record.status,
  status_history: encodeHistory(record.statusHistory),
  channel_response: record.channelResponse === null ? null : JSON.stringify(record.channelResponse),
  original_price: record.pricing.originalPrice,
  corrected_price: record.pricing.correctedPrice,
  currency: record.pricing.currency,
  error: record.error === undefined ? null : JSON.stringify(record.error),
  fallback: record.fallback === undefined ? null : encodeFallback(record.fallback),
  created_at: millis(record.createdAt),
  updated_at: millis(record.updatedAt),
  country_code: record.countryCode,
  national_number: record.nationalNumber,
  segments: record.segments,
  template_category: record.templateCategory,
  template_parameters: JSON.stringify(record.templateParameters),
  template_channels: JSON.stringify(record.templateChannels),
  automatic: flag(record.automatic),
  provider: record.provider,
  provider_message_id: record.providerMessageId,
  charged: record.charged
})

/** The columns a message's lifecycle can change, each set from the row `saveMany` proposes. */
const upsertMutable = [
  "channel",
  "status",
  "status_history",
  "channel_response",
  "corrected_price",
  "error",
  "fallback",
  "updated_at",
  "segments",
  "automatic",
  "provider",
  "provider_message_id",
  "charged"
].map((column) => `${column} = excluded.${column}`).join(", ")

const toRecord = (row: MessageRow): Message.MessageRecord => {
  const correctedPrice = intOrNull(row.corrected_price)
  return {
    id: row.id as Ids.MessageId,
    customerId: row.customer_id as Ids.CustomerId,
    contact: { id: row.contact_id as Ids.ContactId, phoneNumber: row.contact_phone_number as PhoneNumber.E164 },
    template: { id: row.template_id as Ids.TemplateId, name: row.template_name },
    channel: row.channel,
    messageBody: row.message_body,
    status: row.status,
    statusHistory: decodeHistory(row.status_history),
    channelResponse: row.channel_response === null
      ? null
      : JSON.parse(row.channel_response) as Record<string, unknown>,
    pricing: {
      originalPrice: Money.micros(int(row.original_price)),
      correctedPrice: correctedPrice === null ? null : Money.micros(correctedPrice),
      currency: row.currency
    },
    ...(row.error !== null ? { error: JSON.parse(row.error) as MessageStatus.MessageError } : {}),
    ...(row.fallback !== null ? { fallback: decodeFallback(row.fallback) } : {}),
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    countryCode: row.country_code,
    nationalNumber: row.national_number,
    segments: int(row.segments),
    templateCategory: row.template_category,
    templateParameters: JSON.parse(row.template_parameters) as ReadonlyArray<string>,
    templateChannels: JSON.parse(row.template_channels) as ReadonlyArray<Channel.Channel>,
    automatic: isSet(row.automatic),
    provider: row.provider,
    providerMessageId: row.provider_message_id,
    charged: Money.micros(int(row.charged))
  }
}

/** The `Messages` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const dialect = Dialect.of(sql)
  const select = (where: Statement.Fragment, forUpdate: boolean) =>
    Effect.map(
      sql<MessageRow>`SELECT * FROM messages WHERE ${where} ORDER BY id${forUpdate ? dialect.forUpdate : sql.literal("")}`,
      (rows) => rows.map(toRecord)
    )

  return Storage.Messages.of({
    insert: (record) =>
      call("Messages.insert", sql`INSERT INTO messages ${sql.insert(toRow(record))}`.pipe(Effect.asVoid)),
    find: (customerId, id) =>
      call(
        "Messages.find",
        Effect.map(
          sql<MessageRow>`SELECT * FROM messages WHERE customer_id = ${customerId} AND id = ${id}`,
          (rows) => Option.map(Array.head(rows), toRecord)
        )
      ),
    findMany: (ids) =>
      call("Messages.findMany", chunked([...ids].sort(), 1, (chunk) => select(sql`${sql.in("id", chunk)}`, false))),
    // Sorted before chunking, so rows are locked in one global id order.
    findManyForUpdate: (ids) =>
      call("Messages.findManyForUpdate", chunked([...ids].sort(), 1, (chunk) => select(sql`${sql.in("id", chunk)}`, true))),
    findManyByProviderIds: (provider, providerMessageIds) =>
      call(
        "Messages.findManyByProviderIds",
        Effect.map(
          chunked(providerMessageIds, 1, (chunk) =>
            select(sql`provider = ${provider} AND ${sql.in("provider_message_id", chunk)}`, true)),
          // Chunks are each in id order; the whole is put back in it.
          (records) => [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        )
      ),
    // An upsert writes many rows in one statement; every row was read for update, so it always updates.
    // Only what a lifecycle changes is set: rewriting the contact, template and customer columns would
    // touch their indexes on every status change.
    saveMany: (records) => {
      const rows = records.map(toRow)
      return call(
        "Messages.saveMany",
        chunkedWrite(rows, Object.keys(rows[0] ?? {}).length, (chunk) =>
          sql`INSERT INTO messages ${sql.insert(chunk)} ON CONFLICT (id) DO UPDATE SET ${sql.literal(upsertMutable)}`)
      )
    },
    list: (customerId, filter, page) =>
      call(
        "Messages.list",
        Page.paginate(page, Page.isUuid, (after) =>
          Effect.map(
            sql<MessageRow>`SELECT * FROM messages WHERE ${
              sql.and([
                sql`customer_id = ${customerId}`,
                ...(filter.status !== undefined ? [sql`status = ${filter.status}`] : []),
                ...(filter.channel !== undefined ? [sql`channel = ${filter.channel}`] : []),
                ...(filter.contactId !== undefined ? [sql`contact_id = ${filter.contactId}`] : []),
                ...(after !== null ? [sql`id < ${after}`] : [])
              ])
            } ORDER BY id DESC LIMIT ${Page.fetchSize(page)}`,
            (rows) => Page.toPage(rows, page, (row) => row.id, toRecord)
          ))
      ),
  })
})

/** The `Messages` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.Messages, make)
