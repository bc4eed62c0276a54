import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck, Schema } from "effect"
import { Amount, fromDecimal, micros, NonNegativeAmount, toDecimal } from "../src/Money.js"

const runs = { fastCheck: { numRuns: 1000 } }

// A billion dollars either way: far beyond any balance, well inside exact double arithmetic.
const saneMicros = FastCheck.integer({ min: -1e15, max: 1e15 })

const throughJson = (m: number) =>
  Schema.decodeUnknownEither(Amount)(JSON.parse(JSON.stringify(Schema.encodeSync(Amount)(micros(m)))))

/** The decimal text of some micros, exactly, as a person would write it: `-12.003400`. */
const decimalText = (m: number) => {
  const digits = Math.abs(m).toString().padStart(7, "0")
  return `${m < 0 ? "-" : ""}${digits.slice(0, -6)}.${digits.slice(-6)}`
}

describe("Money (properties)", () => {
  it.prop(
    "round-trips every amount through JSON to the same micros",
    [saneMicros],
    ([m]) => {
      assert.deepStrictEqual(throughJson(m), Either.right(micros(m)))
    },
    runs
  )

  it.prop(
    "encodes micros as the decimal number they stand for",
    [saneMicros],
    ([m]) => {
      assert.strictEqual(Schema.encodeSync(Amount)(micros(m)), Number(decimalText(m)))
    },
    runs
  )

  it.prop(
    "decodes any decimal written with six decimals to its micros",
    [saneMicros],
    ([m]) => {
      assert.deepStrictEqual(Schema.decodeUnknownEither(Amount)(Number(decimalText(m))), Either.right(micros(m)))
    },
    runs
  )

  // Up to a million dollars, where a double still tells a seventh decimal apart from its neighbours.
  it.prop(
    "rejects an amount with a non-zero digit after the sixth decimal",
    [
      FastCheck.integer({ min: -1e12, max: 1e12 }),
      FastCheck.stringMatching(/^[0-9]{0,2}[1-9]$/)
    ],
    ([m, extra]) => {
      const amount = Number(`${decimalText(m)}${extra}`)
      assert.isTrue(Either.isLeft(fromDecimal(amount)))
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Amount)(amount)))
    },
    runs
  )

  it.prop(
    "rejects every negative amount as a non-negative amount, and accepts the rest",
    [saneMicros],
    ([m]) => {
      const decoded = Schema.decodeUnknownEither(NonNegativeAmount)(toDecimal(micros(m)))
      if (m < 0) assert.isTrue(Either.isLeft(decoded))
      else assert.deepStrictEqual(decoded, Either.right(micros(m)))
    },
    runs
  )
})

describe("Money (examples)", () => {
  it("shows typical prices as their decimals", () => {
    assert.strictEqual(Schema.encodeSync(Amount)(micros(7_500)), 0.0075)
    assert.strictEqual(Schema.encodeSync(Amount)(micros(1)), 0.000001)
    assert.strictEqual(Schema.encodeSync(Amount)(micros(25_000_000)), 25)
    assert.strictEqual(JSON.stringify({ price: Schema.encodeSync(Amount)(micros(7_500)) }), `{"price":0.0075}`)
  })

  it("reads 0.1 + 0.2 as having more than six decimals, not as 0.3", () => {
    assert.isTrue(Either.isLeft(fromDecimal(0.1 + 0.2)))
    assert.deepStrictEqual(fromDecimal(0.3), Either.right(micros(300_000)))
  })

  it("rejects 1e-7, non-finite numbers, huge numbers and non-numbers", () => {
    assert.deepStrictEqual(fromDecimal(0.0000001), Either.left("has more than six decimals"))
    assert.deepStrictEqual(fromDecimal(Number.NaN), Either.left("must be a finite number"))
    assert.deepStrictEqual(fromDecimal(Number.POSITIVE_INFINITY), Either.left("must be a finite number"))
    assert.deepStrictEqual(fromDecimal(1e300), Either.left("is too large"))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Amount)("1.50")))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Amount)(null)))
  })

  it("accepts zero as non-negative and rejects the smallest negative amount", () => {
    assert.deepStrictEqual(Schema.decodeUnknownEither(NonNegativeAmount)(0), Either.right(micros(0)))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(NonNegativeAmount)(-0.000001)))
  })

  it("refuses to make micros from a fraction or an unsafe integer", () => {
    assert.throws(() => micros(1.5), RangeError)
    assert.throws(() => micros(2 ** 53), RangeError)
    assert.strictEqual(micros(-42), -42)
  })
})
