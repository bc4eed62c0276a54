/**
 * Money as integer micro-units (1 USD = 1,000,000 micros), never floats.
 * JSON shows it as a decimal number with at most six decimals; more precision is rejected, not rounded.
 */
import { Either, ParseResult, Schema } from "effect"

/** An amount in micro-units of the currency. */
export const Micros = Schema.Int.pipe(Schema.brand("Micros"))
export type Micros = typeof Micros.Type

/** The one currency balances and prices are kept in. */
export const Currency = Schema.Literal("USD")
export type Currency = typeof Currency.Type

const SCALE = 1_000_000

/** Micros from a decimal amount, or `None`-like failure when it has more than six decimals. */
export const fromDecimal = (amount: number): Either.Either<Micros, string> => {
  if (!Number.isFinite(amount)) return Either.left("must be a finite number")
  const micros = Math.round(amount * SCALE)
  if (!Number.isSafeInteger(micros)) return Either.left("is too large")
  if (micros / SCALE !== amount) return Either.left("has more than six decimals")
  return Either.right(micros as Micros)
}

/** The decimal amount of some micros (exact: every integer micros maps to the nearest double, and back). */
export const toDecimal = (micros: Micros): number => micros / SCALE

/** Micros from an integer, for literals and arithmetic results; a non-integer is a defect. */
export const micros = (n: number): Micros => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`micros must be a safe integer, got ${n}`)
  return n as Micros
}

/** A money amount, decoded from and encoded to its decimal JSON number. */
export const Amount = Schema.transformOrFail(Schema.Number, Schema.typeSchema(Micros), {
  strict: true,
  decode: (n, _, ast) =>
    Either.mapLeft(fromDecimal(n), (reason) => new ParseResult.Type(ast, n, `an amount ${reason}`)),
  encode: (m) => ParseResult.succeed(toDecimal(m))
}).annotations({ identifier: "Amount", description: "A decimal amount in USD with at most six decimals" })

/** A money amount that may not be negative (prices, top-ups). */
export const NonNegativeAmount = Amount.pipe(Schema.filter((m) => m >= 0, { message: () => "must not be negative" }))
