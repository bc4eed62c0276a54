/** The Contacts handlers, over the `ContactBook`. */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Contact, ContactBook, Ids } from "@sent/core"
import { Effect } from "effect"
import { SentApi } from "../Api.js"
import { CurrentCustomer } from "../Auth.js"
import * as Lists from "../Lists.js"
import * as PathIds from "../PathIds.js"

const contactId = PathIds.parse(Ids.ContactId, "contact")

const existing = HttpServerResponse.schemaJson(Contact.Contact)

/** The Contacts group implemented. */
export const layer = HttpApiBuilder.group(SentApi, "contacts", (handlers) =>
  Effect.map(ContactBook.ContactBook, (contacts) =>
    handlers
      .handle("create", ({ payload }) =>
        Effect.flatMap(CurrentCustomer, (customer) =>
          Effect.flatMap(contacts.create(customer.id, payload), ({ contact, created }) =>
            // The declared success answers 201; an existing number answers itself with 200.
            created
              ? Effect.succeed<Contact.Contact | HttpServerResponse.HttpServerResponse>(contact)
              : Effect.orDie(existing(contact, { status: 200 })))))
      .handle("get", ({ path }) =>
        Effect.flatMap(CurrentCustomer, (customer) =>
          Effect.flatMap(contactId(path.id), (id) => contacts.get(customer.id, id))))
      .handle("list", ({ urlParams }) =>
        Effect.flatMap(CurrentCustomer, (customer) => contacts.list(customer.id, Lists.pageRequest(urlParams))))
      .handle("delete", ({ path }) =>
        Effect.flatMap(CurrentCustomer, (customer) =>
          Effect.flatMap(contactId(path.id), (id) => contacts.delete(customer.id, id))))
  ))
