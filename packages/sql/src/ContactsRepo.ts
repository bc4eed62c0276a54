/** Contacts, unique per (customer, phone number), over `SqlClient`. */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { Channel, Contact, Ids, PhoneNumber } from "@sent/core"
import { Storage } from "@sent/core"
import { Array, Effect, Layer, Option } from "effect"
import * as Cache from "./internal/Cache.js"
import * as Page from "./internal/Page.js"
import { call, date, millis } from "./internal/Rows.js"

interface ContactRow {
  readonly id: string
  readonly phone_number: string
  readonly country_code: string
  readonly available_channels: string
  readonly name: string | null
  readonly created_at: number | string
  readonly updated_at: number | string
}

const toContact = (row: ContactRow): Contact.Contact => ({
  id: row.id as Ids.ContactId,
  phoneNumber: row.phone_number as PhoneNumber.E164,
  countryCode: row.country_code as PhoneNumber.CountryCode,
  availableChannels: JSON.parse(row.available_channels) as ReadonlyArray<Channel.Channel>,
  ...(row.name !== null ? { name: row.name } : {}),
  createdAt: date(row.created_at),
  updatedAt: date(row.updated_at)
})

/** The `Contacts` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, phone_number, country_code, available_channels, name, created_at, updated_at")

  const findByPhoneNumber = (customerId: Ids.CustomerId, e164: string) =>
    Effect.map(
      sql<ContactRow>`SELECT ${columns} FROM contacts WHERE customer_id = ${customerId} AND phone_number = ${e164}`,
      (rows) => Option.map(Array.head(rows), toContact)
    )

  const insertOrGet = (
    customerId: Ids.CustomerId,
    contact: Contact.Contact
  ): Effect.Effect<{ readonly contact: Contact.Contact; readonly created: boolean }, SqlError> =>
    Effect.gen(function*() {
      const inserted = yield* sql`INSERT INTO contacts
          (id, customer_id, phone_number, country_code, available_channels, name, created_at, updated_at)
        VALUES (${contact.id}, ${customerId}, ${contact.phoneNumber}, ${contact.countryCode},
          ${JSON.stringify(contact.availableChannels)}, ${contact.name ?? null}, ${millis(contact.createdAt)},
          ${millis(contact.updatedAt)})
        ON CONFLICT (customer_id, phone_number) DO NOTHING RETURNING id`
      if (inserted.length > 0) return { contact, created: true }
      const existing = yield* findByPhoneNumber(customerId, contact.phoneNumber)
      return yield* Option.match(existing, {
        onNone: () => insertOrGet(customerId, contact),
        onSome: (found) => Effect.succeed({ contact: found, created: false })
      })
    })

  // Every send to a known contact reads it; deletes and channel changes through this process invalidate.
  const cache = Cache.make<string, Option.Option<Contact.Contact>>(1_000, 10_000)

  return Storage.Contacts.of({
    // Two sends to a new number may race to create its contact: the unique key lets exactly one insert
    // win, and the loser reads the winner's row (and tries again if it was deleted in between).
    insertOrGet: (customerId, contact) => call("Contacts.insertOrGet", insertOrGet(customerId, contact)),
    find: (customerId, id) =>
      // Outside the span: a cache hit costs less than the span would.
      cache.get(
        `${customerId}/${id}`,
        call(
          "Contacts.find",
          Effect.map(
            sql<ContactRow>`SELECT ${columns} FROM contacts WHERE customer_id = ${customerId} AND id = ${id}`,
            (rows) => Option.map(Array.head(rows), toContact)
          )
        ),
        Option.isSome
      ),
    findByPhoneNumber: (customerId, e164) => call("Contacts.findByPhoneNumber", findByPhoneNumber(customerId, e164)),
    list: (customerId, page) =>
      call(
        "Contacts.list",
        Page.paginate(page, Page.isUuid, (after) =>
          Effect.map(
            sql<ContactRow>`SELECT ${columns} FROM contacts
              WHERE customer_id = ${customerId} ${after === null ? sql`` : sql`AND id < ${after}`}
              ORDER BY id DESC LIMIT ${Page.fetchSize(page)}`,
            (rows) => Page.toPage(rows, page, (row) => row.id, toContact)
          ))
      ),
    delete: (customerId, id) =>
      call(
        "Contacts.delete",
        Effect.zipLeft(
          Effect.map(
            sql`DELETE FROM contacts WHERE customer_id = ${customerId} AND id = ${id} RETURNING id`,
            Array.isNonEmptyReadonlyArray
          ),
          cache.invalidate(`${customerId}/${id}`)
        )
      ),
    setChannels: (customerId, id, channels, at) =>
      call(
        "Contacts.setChannels",
        sql`UPDATE contacts SET available_channels = ${JSON.stringify(channels)}, updated_at = ${millis(at)}
          WHERE customer_id = ${customerId} AND id = ${id}`.pipe(Effect.zipRight(cache.invalidate(`${customerId}/${id}`)))
      )
  })
})

/** The `Contacts` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.Contacts, make)
