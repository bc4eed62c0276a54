import { layer } from "@effect/vitest"
import { Money } from "@sent/core"
import { Simulated } from "@sent/providers"
import { SentLayer } from "@sent/runtime"
import { Sqlite } from "@sent/sql"
import { Effect, Layer } from "effect"
import { expect } from "vitest"
import * as OrderNotifications from "../src/OrderNotifications.js"

// The host's test swaps the store for a private in-memory database and the providers for the simulated
// ones with no report delay; the service under test is the host's own, unchanged.
// Real clock (no test services): the workers in the layer sleep and poll for real.
const Sent = SentLayer.layer(Sqlite.layer({ filename: ":memory:" }), Simulated.layer({ delayMillis: 0 }))
const credit = Money.micros(1_000_000)
const Shop = Layer.unwrapEffect(Effect.map(OrderNotifications.openShopAccount(credit), OrderNotifications.layer)).pipe(
  Layer.provide(Sent)
)

layer(Shop, { excludeTestServices: true })("an Effect host embedding Sent", (it) => {
  it.effect("notifies an order: the message is delivered and its price taken from the balance", () =>
    Effect.gen(function*() {
      const notifications = yield* OrderNotifications.OrderNotifications
      const queued = yield* notifications.orderShipped({ id: "A-1", customerName: "Ada", phoneNumber: "+14155550123" })
      expect(queued.status).toBe("queued")
      expect(queued.messageBody).toBe("Hi Ada, your order A-1 is on its way.")
      expect(yield* notifications.balance).toBe(credit - queued.pricing.originalPrice)

      const settled = yield* notifications.settled(queued.id)
      expect(settled.statusHistory.map((entry) => entry.status)).toContain("delivered")
      expect(settled.error).toBeUndefined()
      expect(settled.pricing.correctedPrice).toBeGreaterThan(0)
      expect(yield* notifications.balance).toBe(credit - settled.pricing.correctedPrice!)
    }))

  it.effect("a permanent provider failure is refunded", () =>
    Effect.gen(function*() {
      const notifications = yield* OrderNotifications.OrderNotifications
      const before = yield* notifications.balance
      // Ending 01: the simulated provider refuses the number for good.
      const queued = yield* notifications.orderShipped({ id: "A-2", customerName: "Bob", phoneNumber: "+14155550101" })
      const settled = yield* notifications.settled(queued.id)
      expect(settled.status).toBe("failed")
      expect(settled.error?.permanent).toBe(true)
      expect(settled.pricing.correctedPrice).toBe(0)
      expect(yield* notifications.balance).toBe(before)
    }))
})
