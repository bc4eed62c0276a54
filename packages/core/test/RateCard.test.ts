import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck, Schema } from "effect"
import type { Channel } from "../src/Channel.js"
import { micros } from "../src/Money.js"
import { defaultRates, merge, quote, type Rate, Rate as RateSchema, rateFor } from "../src/RateCard.js"

const runs = { fastCheck: { numRuns: 1000 } }

const channelArb = FastCheck.constantFrom<Channel>("sms", "whatsapp")
const countryArb = FastCheck.constantFrom("US", "GB", "DE", "FR", "BR", "IN")
const rateArb: FastCheck.Arbitrary<Rate> = FastCheck.record({
  channel: channelArb,
  countryCode: FastCheck.oneof(countryArb, FastCheck.constant("*")),
  price: FastCheck.integer({ min: 0, max: 10_000_000 }).map(micros)
})
const rowsArb = FastCheck.array(rateArb, { maxLength: 12 })
const segmentsArb = FastCheck.integer({ min: 1, max: 20 })

const key = (rate: Rate) => `${rate.channel}:${rate.countryCode}`

/** The rate an operator means: the country's row, else the channel's `*` row (cards hold one row per key). */
const intendedRate = (card: ReadonlyArray<Rate>, channel: Channel, country: string) =>
  (card.find((r) => r.channel === channel && r.countryCode === country) ??
    card.find((r) => r.channel === channel && r.countryCode === "*"))!.price

describe("RateCard (properties)", () => {
  it.prop(
    "quotes rate × segments on SMS and the rate on WhatsApp, never negative",
    [rowsArb, channelArb, countryArb, segmentsArb],
    ([rows, channel, countryCode, segments]) => {
      const card = merge(defaultRates, rows)
      const price = quote(card, { channel, countryCode, segments })
      const rate = intendedRate(card, channel, countryCode)
      assert.strictEqual(price, channel === "sms" ? rate * segments : rate)
      assert.isAtLeast(price, 0)
    },
    runs
  )

  it.prop(
    "never quotes a negative price from a card decoded from operator input",
    [
      FastCheck.array(
        FastCheck.record({
          channel: channelArb,
          countryCode: FastCheck.oneof(countryArb, FastCheck.constant("*")),
          price: FastCheck.integer({ min: -10_000_000, max: 10_000_000 }).map((m) => m / 1_000_000)
        }),
        { maxLength: 6 }
      ),
      channelArb,
      countryArb,
      segmentsArb
    ],
    ([input, channel, countryCode, segments]) => {
      const decoded = Schema.decodeUnknownEither(Schema.Array(RateSchema))(input)
      assert.strictEqual(Either.isRight(decoded), input.every((row) => row.price >= 0))
      if (Either.isRight(decoded)) {
        assert.isAtLeast(quote(merge(defaultRates, decoded.right), { channel, countryCode, segments }), 0)
      }
    },
    runs
  )

  it.prop(
    "prices a country by its own row over the channel's `*` row",
    [rowsArb, channelArb, countryArb, FastCheck.integer({ min: 0, max: 10_000_000 }).map(micros)],
    ([rows, channel, countryCode, price]) => {
      const card = merge(defaultRates, [...rows, { channel, countryCode, price }])
      assert.strictEqual(rateFor(card, channel, countryCode), price)
      const star = card.find((r) => r.channel === channel && r.countryCode === "*")!.price
      const elsewhere = ["US", "GB", "DE", "FR", "BR", "IN"].find(
        (c) => !card.some((r) => r.channel === channel && r.countryCode === c)
      )
      if (elsewhere !== undefined) assert.strictEqual(rateFor(card, channel, elsewhere), star)
      assert.strictEqual(rateFor(card, channel, undefined), star)
    },
    runs
  )

  it.prop(
    "merges by (channel, country): the last given row wins, other rows stay, one row per key",
    [rowsArb, rowsArb],
    ([cardRows, rows]) => {
      const card = merge([], cardRows)
      const merged = merge(card, rows)
      const keys = merged.map(key)
      assert.strictEqual(new Set(keys).size, keys.length)
      assert.deepStrictEqual(new Set(keys), new Set([...card.map(key), ...rows.map(key)]))
      for (const row of merged) {
        const given = rows.filter((r) => key(r) === key(row)).at(-1)
        assert.deepStrictEqual(row, given ?? card.find((r) => key(r) === key(row)))
      }
    },
    runs
  )
})

describe("RateCard (examples)", () => {
  it("starts with 0.0075 per SMS segment and 0.005 per WhatsApp message everywhere", () => {
    assert.strictEqual(rateFor(defaultRates, "sms", "US"), 7_500)
    assert.strictEqual(rateFor(defaultRates, "whatsapp", "BR"), 5_000)
    assert.strictEqual(quote(defaultRates, { channel: "sms", countryCode: "GB", segments: 3 }), 22_500)
    assert.strictEqual(quote(defaultRates, { channel: "whatsapp", countryCode: "GB", segments: 3 }), 5_000)
  })

  it("falls back to the built-in default when a card has no row at all for a channel", () => {
    assert.strictEqual(rateFor([], "sms", "US"), 7_500)
    assert.strictEqual(rateFor([{ channel: "sms", countryCode: "US", price: micros(1) }], "whatsapp", "US"), 5_000)
  })

  it("does not apply one channel's country row to the other channel", () => {
    const card = merge(defaultRates, [{ channel: "whatsapp", countryCode: "DE", price: micros(90_000) }])
    assert.strictEqual(rateFor(card, "whatsapp", "DE"), 90_000)
    assert.strictEqual(rateFor(card, "sms", "DE"), 7_500)
  })

  it("decodes operator rows with decimal prices and rejects negative prices and bad countries", () => {
    const decode = Schema.decodeUnknownEither(RateSchema)
    assert.deepStrictEqual(
      decode({ channel: "sms", countryCode: "US", price: 0.0079 }),
      Either.right({ channel: "sms", countryCode: "US", price: micros(7_900) })
    )
    assert.isTrue(Either.isRight(decode({ channel: "whatsapp", countryCode: "*", price: 0 })))
    assert.isTrue(Either.isLeft(decode({ channel: "sms", countryCode: "US", price: -0.0075 })))
    assert.isTrue(Either.isLeft(decode({ channel: "sms", countryCode: "us", price: 0.0075 })))
    assert.isTrue(Either.isLeft(decode({ channel: "sms", countryCode: "USA", price: 0.0075 })))
    assert.isTrue(Either.isLeft(decode({ channel: "sms", countryCode: "US", price: 0.00000751 })))
    assert.isTrue(Either.isLeft(decode({ channel: "fax", countryCode: "US", price: 0.0075 })))
  })

  it("replaces a row in place and appends a new one when merging", () => {
    const merged = merge(defaultRates, [
      { channel: "sms", countryCode: "*", price: micros(8_000) },
      { channel: "sms", countryCode: "US", price: micros(7_900) }
    ])
    assert.deepStrictEqual(merged, [
      { channel: "sms", countryCode: "*", price: micros(8_000) },
      { channel: "whatsapp", countryCode: "*", price: micros(5_000) },
      { channel: "sms", countryCode: "US", price: micros(7_900) }
    ])
  })
})
