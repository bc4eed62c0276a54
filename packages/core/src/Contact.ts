/** Contacts: the recipients of messages, with the channels they can receive on. */
import { Schema } from "effect"
import { Channel } from "./Channel.js"
import { ContactId } from "./Ids.js"
import { CountryCode, E164 } from "./PhoneNumber.js"

/** A contact as the API shows it. */
export const Contact = Schema.Struct({
  id: ContactId,
  phoneNumber: E164,
  countryCode: CountryCode,
  availableChannels: Schema.Array(Channel),
  name: Schema.optional(Schema.String),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}).annotations({ identifier: "Contact" })
export type Contact = typeof Contact.Type

/** The summary of a contact a Message carries. */
export const ContactSummary = Schema.Struct({ id: ContactId, phoneNumber: E164 }).annotations({
  identifier: "ContactSummary"
})
export type ContactSummary = typeof ContactSummary.Type
