/**
 * Runs the shop once: composes Sent over an SQLite database and the simulated providers, opens the shop's
 * account, notifies one order and prints the message once it is delivered. `npm start -w @sent/embed-effect`.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Money } from "@sent/core"
import { Simulated } from "@sent/providers"
import { SentLayer } from "@sent/runtime"
import { Sqlite } from "@sent/sql"
import { Console, Effect, Layer } from "effect"
import * as OrderNotifications from "./OrderNotifications.js"

// An in-memory database keeps the demo repeatable; a real host passes a file (or `Postgres.layer`).
const Sent = SentLayer.layer(Sqlite.layer({ filename: ":memory:" }), Simulated.layer())

const Shop = Layer.unwrapEffect(
  Effect.map(OrderNotifications.openShopAccount(Money.micros(5_000_000)), OrderNotifications.layer)
).pipe(Layer.provide(Sent))

const program = Effect.gen(function*() {
  const notifications = yield* OrderNotifications.OrderNotifications
  const queued = yield* notifications.orderShipped({ id: "A-1001", customerName: "Ada", phoneNumber: "+14155550123" })
  yield* Effect.log("order notification queued").pipe(Effect.annotateLogs({ messageId: queued.id, quoteUsd: Money.toDecimal(queued.pricing.originalPrice) }))
  const settled = yield* notifications.settled(queued.id)
  const balance = yield* notifications.balance
  yield* Console.log(
    [
      `${settled.status} over ${settled.channel}: "${settled.messageBody}"`,
      `history: ${settled.statusHistory.map((entry) => entry.status).join(" → ")}`,
      `charged ${Money.toDecimal(settled.pricing.correctedPrice ?? settled.pricing.originalPrice)} USD, balance ${Money.toDecimal(balance)} USD`
    ].join("\n")
  )
})

NodeRuntime.runMain(program.pipe(Effect.provide(Shop)))
