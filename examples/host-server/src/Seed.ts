/**
 * The demo customer an empty store is seeded with, so that a first `npm start` has something to send:
 * a balance, a template with a variable and a contact whose number the simulator delivers to.
 */
import { Accounts, ContactBook, type Contact, type Customer, type Errors, Money, Storage, type Template, TemplateCatalog } from "@sent/core"
import { Effect, Option } from "effect"

/** What was seeded, with the demo API key (shown only here). */
export interface Demo {
  readonly customer: Customer.Customer
  readonly apiKey: string
  readonly template: Template.Template
  readonly contact: Contact.Contact
}

/** The demo's starting balance: 10 USD. */
export const demoCredit = Money.micros(10_000_000)

/** Seeds the demo customer when the store has no customer at all; `None` when it already had some. */
export const demo: Effect.Effect<
  Option.Option<Demo>,
  Errors.ValidationFailed | Errors.NotFound | Errors.InvalidPhoneNumber,
  Storage.Customers | Accounts.Accounts | TemplateCatalog.TemplateCatalog | ContactBook.ContactBook
> = Effect.gen(function*() {
  const customers = yield* Storage.Customers
  if (yield* customers.any) return Option.none()
  const accounts = yield* Accounts.Accounts
  const { customer, apiKey } = yield* accounts.createCustomer("Demo customer")
  yield* accounts.topUp(customer.id, demoCredit)
  const template = yield* (yield* TemplateCatalog.TemplateCatalog).create(customer.id, {
    name: "welcome",
    body: "Hi {{name}}, welcome to Sent! This message came from the playground.",
    category: "UTILITY"
  })
  // Any ending other than the simulator's magic 01-07 is delivered (and read, on WhatsApp).
  const { contact } = yield* (yield* ContactBook.ContactBook).create(customer.id, {
    phoneNumber: "+14155550123",
    name: "Ada Lovelace"
  })
  return Option.some({ customer, apiKey, template, contact })
})
