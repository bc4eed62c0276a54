/** Phone numbers, parsed and validated to E.164 with `libphonenumber-js` (full metadata). */
import { Either, Schema } from "effect"
import { parsePhoneNumberFromString } from "libphonenumber-js/max"
import { InvalidPhoneNumber } from "./Errors.js"

/** A phone number in E.164 form (`+14155550123`). */
export const E164 = Schema.String.pipe(Schema.pattern(/^\+[1-9]\d{6,14}$/), Schema.brand("E164"))
export type E164 = typeof E164.Type

/** An ISO 3166-1 alpha-2 country code. */
export const CountryCode = Schema.String.pipe(Schema.pattern(/^[A-Z]{2}$/), Schema.brand("CountryCode"))
export type CountryCode = typeof CountryCode.Type

/** A validated number with the facts Sent needs from it. */
export interface ParsedPhoneNumber {
  readonly e164: E164
  readonly countryCode: CountryCode
  /** The national significant number; the simulated provider reads its last two digits. */
  readonly nationalNumber: string
}

// libphonenumber-js digs a number out of surrounding text ("call +1 415…", "…ext. 5", "tel:+1…");
// a phone number field must hold the number alone.
const internationalForm = /^\s*\+[\d\s().\-/]+$/

// Sends to known contacts re-read the same numbers over and over; parsing with full metadata is costly.
const parsedCache = new Map<string, ParsedPhoneNumber>()
const parsedCacheSize = 10_000

/**
 * Parses a number written in international form (a leading `+`, spaces and punctuation allowed).
 * Without a country prefix there is no way to know the country, so such input is rejected.
 */
export const parse = (input: string): Either.Either<ParsedPhoneNumber, InvalidPhoneNumber> => {
  const invalid = (why: string) =>
    Either.left(new InvalidPhoneNumber({ message: `${JSON.stringify(input)} is not a valid phone number: ${why}`, phoneNumber: input }))
  const cached = parsedCache.get(input)
  if (cached !== undefined) return Either.right(cached)
  if (input.length > 64) return invalid("too long")
  if (!internationalForm.test(input)) return invalid("write it in international form, e.g. +14155550123")
  const parsed = parsePhoneNumberFromString(input)
  if (parsed === undefined) return invalid("write it in international form, e.g. +14155550123")
  if (!parsed.isValid() || parsed.country === undefined) return invalid("no such number exists in its country's numbering plan")
  const result: ParsedPhoneNumber = {
    e164: parsed.number as E164,
    countryCode: parsed.country as CountryCode,
    nationalNumber: parsed.nationalNumber
  }
  if (parsedCache.size >= parsedCacheSize) parsedCache.delete(parsedCache.keys().next().value!)
  parsedCache.set(input, result)
  return Either.right(result)
}
