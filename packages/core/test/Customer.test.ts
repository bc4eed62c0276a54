import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Balance, LedgerEntry } from "../src/Customer.js"
import { LedgerEntryId, MessageId } from "../src/Ids.js"
import { micros } from "../src/Money.js"

const at = new Date("2025-03-01T12:00:00.000Z")

describe("Balance JSON", () => {
  it("shows the balance as a decimal number in USD", () => {
    assert.deepStrictEqual(Schema.encodeSync(Balance)({ balance: micros(24_992_500), currency: "USD" }), {
      balance: 24.9925,
      currency: "USD"
    })
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Balance)({ balance: 1, currency: "EUR" })))
  })
})

describe("LedgerEntry JSON", () => {
  it("shows debits as negative amounts, with the message they belong to", () => {
    const charge: LedgerEntry = {
      id: LedgerEntryId.make("01956a1c-7c00-7000-8000-0000000000f1"),
      amount: micros(-7_500),
      reason: "message_charge",
      messageId: MessageId.make("01956a1c-7c00-7000-8000-000000000001"),
      createdAt: at
    }
    const json: typeof LedgerEntry.Encoded = {
      id: "01956a1c-7c00-7000-8000-0000000000f1",
      amount: -0.0075,
      reason: "message_charge",
      messageId: "01956a1c-7c00-7000-8000-000000000001",
      createdAt: "2025-03-01T12:00:00.000Z"
    }
    assert.deepStrictEqual(Schema.encodeSync(LedgerEntry)(charge), json)
    assert.deepStrictEqual(Schema.decodeUnknownSync(LedgerEntry)(json), charge)
  })

  it("leaves messageId out of a top-up and accepts only the known reasons", () => {
    const topUp: LedgerEntry = {
      id: LedgerEntryId.make("01956a1c-7c00-7000-8000-0000000000f2"),
      amount: micros(25_000_000),
      reason: "top_up",
      createdAt: at
    }
    const json = Schema.encodeSync(LedgerEntry)(topUp)
    assert.deepStrictEqual(Object.keys(json).sort(), ["amount", "createdAt", "id", "reason"])
    for (const reason of ["top_up", "message_charge", "message_refund", "price_correction"]) {
      assert.isTrue(Either.isRight(Schema.decodeUnknownEither(LedgerEntry)({ ...json, reason })))
    }
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(LedgerEntry)({ ...json, reason: "gift" })))
  })
})
