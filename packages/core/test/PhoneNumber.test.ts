import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { InvalidPhoneNumber } from "../src/Errors.js"
import { CountryCode, E164, parse } from "../src/PhoneNumber.js"

describe("PhoneNumber.parse", () => {
  const valid = [
    { input: "+14155550123", e164: "+14155550123", countryCode: "US", nationalNumber: "4155550123" },
    { input: "+1 (415) 555-0123", e164: "+14155550123", countryCode: "US", nationalNumber: "4155550123" },
    { input: "+1.415.555.0123", e164: "+14155550123", countryCode: "US", nationalNumber: "4155550123" },
    { input: "  +44 7400 123456 ", e164: "+447400123456", countryCode: "GB", nationalNumber: "7400123456" },
    { input: "+44 20 7946 0000", e164: "+442079460000", countryCode: "GB", nationalNumber: "2079460000" },
    { input: "+49 151 12345678", e164: "+4915112345678", countryCode: "DE", nationalNumber: "15112345678" },
    { input: "+33 6 12 34 56 78", e164: "+33612345678", countryCode: "FR", nationalNumber: "612345678" },
    { input: "+55 11 98765-4321", e164: "+5511987654321", countryCode: "BR", nationalNumber: "11987654321" },
    { input: "+91 98765 43210", e164: "+919876543210", countryCode: "IN", nationalNumber: "9876543210" },
    { input: "+61 412 345 678", e164: "+61412345678", countryCode: "AU", nationalNumber: "412345678" },
    { input: "+81 3-1234-5678", e164: "+81312345678", countryCode: "JP", nationalNumber: "312345678" },
    { input: "+234 803 123 4567", e164: "+2348031234567", countryCode: "NG", nationalNumber: "8031234567" },
    { input: "+52 55 1234 5678", e164: "+525512345678", countryCode: "MX", nationalNumber: "5512345678" }
  ]

  it.each(valid)("reads $input as $e164 in $countryCode", ({ countryCode, e164, input, nationalNumber }) => {
    const result = parse(input)
    if (Either.isLeft(result)) assert.fail(result.left.message)
    assert.deepStrictEqual(result.right, { e164, countryCode, nationalNumber })
    assert.isTrue(Schema.is(E164)(result.right.e164))
    assert.isTrue(Schema.is(CountryCode)(result.right.countryCode))
  })

  const invalid = [
    { why: "national form", input: "0412 345 678" },
    { why: "no country prefix", input: "4155550123" },
    { why: "empty", input: "" },
    { why: "blank", input: "   " },
    { why: "letters", input: "abc" },
    { why: "a lone plus", input: "+" },
    { why: "a country code alone", input: "+1" },
    { why: "an unassigned country code", input: "+999 1234 5678" },
    { why: "too short for its country", input: "+1 415 555 01" },
    { why: "too short for France", input: "+33 1 23 45" },
    { why: "too short for Germany", input: "+49 123" },
    { why: "a Spanish number no range starts with", input: "+34 012 345 678" },
    { why: "too many digits", input: "+1 415 555 0123 4567" },
    { why: "over-long input", input: `+1 415 555 0123${" ".repeat(60)}` },
    { why: "a doubled plus", input: "++14155550123" },
    { why: "a number inside text", input: "call me on +14155550123 please" },
    { why: "trailing letters", input: "+14155550123abc" },
    { why: "an extension", input: "+1 415 555 0123 ext. 5" },
    { why: "a URI", input: "tel:+14155550123" },
    { why: "a non-geographic number, which has no country", input: "+800 1234 5678" },
    { why: "a number not in the numbering plan (UK drama range)", input: "+44 7700 900123" }
  ]

  it.each(invalid)("rejects $why: $input", ({ input }) => {
    const result = parse(input)
    if (Either.isRight(result)) assert.fail(`accepted ${JSON.stringify(input)} as ${result.right.e164}`)
    assert.instanceOf(result.left, InvalidPhoneNumber)
    assert.strictEqual(result.left.code, "INVALID_PHONE_NUMBER")
    assert.strictEqual(result.left.phoneNumber, input)
  })
})

describe("PhoneNumber schemas", () => {
  it("accept E.164 and ISO alpha-2 codes only", () => {
    assert.isTrue(Schema.is(E164)("+14155550123"))
    assert.isFalse(Schema.is(E164)("14155550123"))
    assert.isFalse(Schema.is(E164)("+04155550123"))
    assert.isFalse(Schema.is(E164)("+1 415 555 0123"))
    assert.isFalse(Schema.is(E164)("+1234567890123456"))
    assert.isTrue(Schema.is(CountryCode)("GB"))
    assert.isFalse(Schema.is(CountryCode)("gb"))
    assert.isFalse(Schema.is(CountryCode)("GBR"))
  })
})
