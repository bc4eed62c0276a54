/** The Contacts group: create (or find) a contact by phone number, read, list and delete contacts. */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Contact } from "@sent/core"
import { Schema } from "effect"
import { Authentication } from "../Auth.js"
import * as ErrorEnvelope from "../ErrorEnvelope.js"
import * as Lists from "../Lists.js"
import { IdPath } from "../PathIds.js"

/** The body of `POST /v1/contacts`. */
export const CreateContact = Schema.Struct({
  phoneNumber: Schema.String.annotations({ description: "An E.164 number (a leading + and the country code)" }),
  name: Schema.optionalWith(Schema.String, { nullable: true, exact: true })
}).annotations({ identifier: "CreateContact" })

/** The Contacts endpoints. */
export class ContactsApi extends HttpApiGroup.make("contacts")
  .add(
    HttpApiEndpoint.post("create", "/v1/contacts")
      .setPayload(CreateContact)
      .addSuccess(Contact.Contact, { status: 201 })
      .addSuccess(
        Contact.Contact.annotations(HttpApiSchema.annotations({ status: 200, description: "The number was already a contact" }))
      )
      .addError(ErrorEnvelope.InvalidPhoneNumber)
      .annotate(OpenApi.Summary, "Create a contact (an existing number answers the existing contact, 200)")
  )
  .add(
    HttpApiEndpoint.get("get", "/v1/contacts/:id")
      .setPath(IdPath)
      .addSuccess(Contact.Contact)
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Read a contact")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/contacts")
      .setUrlParams(Lists.ListParams)
      .addSuccess(Lists.Page(Contact.Contact))
      .annotate(OpenApi.Summary, "List contacts, newest first")
  )
  .add(
    HttpApiEndpoint.del("delete", "/v1/contacts/:id")
      .setPath(IdPath)
      .addSuccess(HttpApiSchema.NoContent)
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Delete a contact (its messages keep their contact summary)")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Contacts")
{}
