import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Contact } from "../src/Contact.js"
import { ContactId } from "../src/Ids.js"
import { CountryCode, E164 } from "../src/PhoneNumber.js"

const at = new Date("2025-03-01T12:00:00.000Z")
const contact: Contact = {
  id: ContactId.make("01956a1c-7c00-7000-8000-0000000000a1"),
  phoneNumber: E164.make("+447400123456"),
  countryCode: CountryCode.make("GB"),
  availableChannels: ["sms", "whatsapp"],
  createdAt: at,
  updatedAt: at
}
const json: typeof Contact.Encoded = {
  id: "01956a1c-7c00-7000-8000-0000000000a1",
  phoneNumber: "+447400123456",
  countryCode: "GB",
  availableChannels: ["sms", "whatsapp"],
  createdAt: "2025-03-01T12:00:00.000Z",
  updatedAt: "2025-03-01T12:00:00.000Z"
}

describe("Contact JSON", () => {
  it("encodes to the API shape, with name only when there is one", () => {
    assert.deepStrictEqual(Schema.encodeSync(Contact)(contact), json)
    assert.deepStrictEqual(Schema.encodeSync(Contact)({ ...contact, name: "Ada" }), { ...json, name: "Ada" })
  })

  it("decodes its JSON back and rejects a number that is not E.164 or an unknown channel", () => {
    assert.deepStrictEqual(Schema.decodeUnknownSync(Contact)(json), contact)
    const decode = Schema.decodeUnknownEither(Contact)
    assert.isTrue(Either.isLeft(decode({ ...json, phoneNumber: "07400 123456" })))
    assert.isTrue(Either.isLeft(decode({ ...json, countryCode: "gb" })))
    assert.isTrue(Either.isLeft(decode({ ...json, availableChannels: ["sms", "telegram"] })))
  })
})
