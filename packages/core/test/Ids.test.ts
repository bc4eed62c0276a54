import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck, Schema, TestClock } from "effect"
import { at, ContactId, make, MessageId, uuidv7 } from "../src/Ids.js"

const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const maxMillis = 2 ** 48 - 1
const millisOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)

describe("Ids.uuidv7", () => {
  it.prop(
    "is a valid version 7, variant 10 UUID that carries its milliseconds",
    [FastCheck.integer({ min: 0, max: maxMillis })],
    ([millis]) => {
      const id = uuidv7(millis)
      assert.match(id, v7)
      assert.strictEqual(millisOf(id), millis)
      assert.isTrue(Schema.is(MessageId)(id))
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it.prop(
    "sorts by time across different milliseconds",
    [FastCheck.integer({ min: 0, max: maxMillis }), FastCheck.integer({ min: 0, max: maxMillis })],
    ([a, b]) => {
      FastCheck.pre(a !== b)
      const [earlier, later] = a < b ? [a, b] : [b, a]
      assert.isTrue(uuidv7(earlier) < uuidv7(later))
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it("sorts ids one millisecond apart, across byte boundaries", () => {
    for (const millis of [0, 255, 65_535, 1_735_689_600_000, 2 ** 40 - 1]) {
      assert.isTrue(uuidv7(millis) < uuidv7(millis + 1), `at ${millis}`)
    }
  })

  it("sorts ids made one after another within the same millisecond in the order they were made", () => {
    const ids = Array.from({ length: 2_000 }, () => uuidv7(1_735_689_600_123))
    assert.deepStrictEqual([...ids].sort(), ids)
    assert.strictEqual(new Set(ids).size, ids.length)
  })

  it("gives different ids within the same millisecond", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uuidv7(1_735_689_600_000)))
    assert.strictEqual(ids.size, 1000)
  })
})

describe("Ids.at", () => {
  it("stamps the id with the time given when no later id was made", () => {
    const id = at(MessageId, new Date(maxMillis))
    assert.match(id, v7)
    assert.strictEqual(millisOf(id), maxMillis)
  })

  it("sorts an id stamped with an earlier time than the last id's after it", () => {
    const last = uuidv7(1_735_689_600_500)
    const next = at(MessageId, new Date(1_735_689_600_100))
    assert.isTrue(next > last)
    assert.strictEqual(millisOf(next), 1_735_689_600_500)
  })
})

describe("Ids.make", () => {
  it.effect("stamps the id with the Effect clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_735_689_600_123)
      const id = yield* make(ContactId)
      assert.match(id, v7)
      assert.strictEqual(millisOf(id), 1_735_689_600_123)
      yield* TestClock.adjust("1 millis")
      assert.isTrue((yield* make(ContactId)) > id)
    }))
})

describe("Id schemas", () => {
  it("accept any GUID (v4 too) and reject other strings", () => {
    assert.isTrue(Schema.is(MessageId)("3b241101-e2bb-4255-8caf-4136c566a962"))
    assert.isFalse(Schema.is(MessageId)("not-a-guid"))
    assert.isFalse(Schema.is(MessageId)(""))
  })
})
