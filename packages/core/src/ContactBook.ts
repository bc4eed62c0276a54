/** The contact book: contacts are created from a validated phone number, with the channels they can receive on. */
import { Context, Effect, Layer, Option } from "effect"
import type { Channel } from "./Channel.js"
import type { Contact } from "./Contact.js"
import { InvalidPhoneNumber, NotFound, ValidationFailed } from "./Errors.js"
import * as Ids from "./Ids.js"
import { now } from "./internal/time.js"
import * as PhoneNumber from "./PhoneNumber.js"
import { Providers } from "./Provider.js"
import { Contacts, type Page, type PageRequest, Transactor } from "./Storage.js"

/**
 * Takes WhatsApp off a contact's channels: a provider said the number is not a WhatsApp user, so
 * automatic selection must stop choosing it.
 */
export const dropWhatsApp = (
  contacts: Context.Tag.Service<Contacts>,
  customerId: Ids.CustomerId,
  contactId: Ids.ContactId,
  at: Date
): Effect.Effect<void> =>
  Effect.flatMap(contacts.find(customerId, contactId), (contact) =>
    Option.isSome(contact) && contact.value.availableChannels.includes("whatsapp")
      ? contacts.setChannels(customerId, contactId, contact.value.availableChannels.filter((c) => c !== "whatsapp"), at)
      : Effect.void)

/** A contact that may not be stored yet: what a send to a new number would create. */
export interface ResolvedContact {
  readonly contact: Contact
  readonly phone: PhoneNumber.ParsedPhoneNumber
  /** `false` when the contact exists only in memory and must be inserted with the send. */
  readonly stored: boolean
}

/** Contacts as customers manage them. */
export class ContactBook extends Context.Tag("@sent/core/ContactBook")<
  ContactBook,
  {
    /** Creates a contact, or returns the existing one with the same number (`created: false`). */
    readonly create: (
      customerId: Ids.CustomerId,
      input: { readonly phoneNumber: string; readonly name?: string | undefined }
    ) => Effect.Effect<{ readonly contact: Contact; readonly created: boolean }, InvalidPhoneNumber | ValidationFailed>
    readonly get: (customerId: Ids.CustomerId, id: Ids.ContactId) => Effect.Effect<Contact, NotFound>
    readonly list: (customerId: Ids.CustomerId, page: PageRequest) => Effect.Effect<Page<Contact>>
    readonly delete: (customerId: Ids.CustomerId, id: Ids.ContactId) => Effect.Effect<void, NotFound>
    /** The contact of a number: the stored one, or a new one (not stored) with its channels looked up. */
    readonly resolve: (
      customerId: Ids.CustomerId,
      phoneNumber: string
    ) => Effect.Effect<ResolvedContact, InvalidPhoneNumber>
  }
>() {
  /** The contact book over the `Contacts` port, asking the providers which channels a new number has. */
  static readonly layer = Layer.effect(
    ContactBook,
    Effect.gen(function*() {
      const contacts = yield* Contacts
      const providers = yield* Providers
      const tx = yield* Transactor

      const fresh = (phone: PhoneNumber.ParsedPhoneNumber, name: string | undefined) =>
        Effect.gen(function*() {
          const whatsApp = yield* providers.hasWhatsApp(phone)
          const at = yield* now
          const availableChannels: ReadonlyArray<Channel> = whatsApp ? ["sms", "whatsapp"] : ["sms"]
          const contact: Contact = {
            id: yield* Ids.make(Ids.ContactId),
            phoneNumber: phone.e164,
            countryCode: phone.countryCode,
            availableChannels,
            ...(name !== undefined ? { name } : {}),
            createdAt: at,
            updatedAt: at
          }
          return contact
        })

      const resolve = (customerId: Ids.CustomerId, phoneNumber: string) =>
        Effect.gen(function*() {
          const phone = yield* PhoneNumber.parse(phoneNumber)
          const existing = yield* contacts.findByPhoneNumber(customerId, phone.e164)
          if (Option.isSome(existing)) return { contact: existing.value, phone, stored: true }
          return { contact: yield* fresh(phone, undefined), phone, stored: false }
        })

      return ContactBook.of({
        create: (customerId, input) =>
          Effect.gen(function*() {
            if (input.name !== undefined && input.name.length > 200) {
              return yield* new ValidationFailed({
                message: "The contact's name is too long",
                details: [{ field: "name", message: "must be at most 200 characters" }]
              })
            }
            const resolved = yield* resolve(customerId, input.phoneNumber)
            if (resolved.stored) return { contact: resolved.contact, created: false }
            const contact = input.name !== undefined ? { ...resolved.contact, name: input.name } : resolved.contact
            return yield* tx.withTransaction(contacts.insertOrGet(customerId, contact))
          }),
        get: (customerId, id) =>
          Effect.flatMap(contacts.find(customerId, id), Option.match({
            onNone: () => Effect.fail(NotFound.of("contact", id)),
            onSome: Effect.succeed
          })),
        list: contacts.list,
        delete: (customerId, id) =>
          Effect.flatMap(contacts.delete(customerId, id), (deleted) =>
            deleted ? Effect.void : Effect.fail(NotFound.of("contact", id))),
        resolve
      })
    })
  )
}
