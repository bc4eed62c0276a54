/**
 * Lifecycles on PostgreSQL with two Sent instances (each with its dispatch and webhook workers) sharing one
 * database, as two processes of a deployment would: every magic ending reaches its outcome whichever
 * worker takes it, each message is charged once, the ledger sums to the balance, and every status change
 * reaches the webhook receiver exactly once.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Accounts, type Message, Messaging } from "@sent/core"
import { Postgres } from "@sent/sql"
import { WebhookEndpoints } from "@sent/webhooks"
import { expect, it } from "@effect/vitest"
import { Effect, Layer, Schedule } from "effect"
import { customerWithTemplate, isSettled, ledgerEntries, untilMessage, usNumber, worldOver } from "./fixtures.js"
import * as Pg from "./postgres.js"

/** The endings sent, with the channel asked for and the outcome API.md states. */
const cases = [
  { ending: "55", channel: "sms", status: "delivered", finalChannel: "sms" },
  { ending: "55", channel: undefined, status: "read", finalChannel: "whatsapp" },
  { ending: "01", channel: "sms", status: "failed", finalChannel: "sms" },
  { ending: "02", channel: "sms", status: "delivered", finalChannel: "sms" },
  { ending: "04", channel: undefined, status: "delivered", finalChannel: "sms" },
  { ending: "06", channel: undefined, status: "read", finalChannel: "whatsapp" },
  { ending: "06", channel: "sms", status: "delivered", finalChannel: "sms" },
  { ending: "07", channel: "sms", status: "failed", finalChannel: "sms" }
] as const

const perInstance = 40

/** A receiver that keeps the JSON body of every request. */
const receiver = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly bodies: Array<{ id: string; data: Message.Message }>; readonly close: () => void }>((resume) => {
    const bodies: Array<{ id: string; data: Message.Message }> = []
    const server = createServer((request, response) => {
      let text = ""
      request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")))
      request.on("end", () => {
        bodies.push(JSON.parse(text) as { id: string; data: Message.Message })
        response.writeHead(204).end()
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
        bodies,
        close: () => server.close()
      })))
  }),
  (r) => Effect.sync(r.close)
)

const lifecycles = Effect.gen(function*() {
  const url = yield* Pg.freshDatabase
  const first = yield* Layer.build(worldOver(Postgres.layer({ url })))
  const second = yield* Layer.build(worldOver(Postgres.layer({ url })))
  const hooks = yield* receiver

  const { customerId, template } = yield* customerWithTemplate(100_000_000).pipe(Effect.provide(first))
  yield* Effect.flatMap(WebhookEndpoints.WebhookEndpoints, (endpoints) =>
    endpoints.create(customerId, { url: hooks.url, eventTypes: ["message.status.updated"] })).pipe(Effect.provide(first))

  const sendThrough = (instance: typeof first, offset: number) =>
    Effect.forEach(
      Array.from({ length: perInstance }, (_, i) => ({ i, c: cases[i % cases.length]! })),
      ({ c, i }) =>
        Effect.flatMap(Messaging.Messaging, (m) =>
          m.send(customerId, {
            phoneNumber: usNumber(c.ending, String(10 + ((offset + i) % 80))),
            templateId: template.id,
            templateVariables: { name: "Ada", code: String(i) },
            channel: c.channel
          })).pipe(Effect.map(({ message }) => ({ id: message.id, expected: c })), Effect.provide(instance)),
      { concurrency: 16 }
    )
  const sent = (yield* Effect.all([sendThrough(first, 0), sendThrough(second, perInstance)], { concurrency: 2 })).flat()

  const final = yield* Effect.forEach(sent, ({ expected, id }) =>
    untilMessage(customerId, id, isSettled, "30 seconds").pipe(
      Effect.map((message) => ({ message, expected })),
      Effect.provide(second)
    ))
  for (const { expected, message } of final) {
    expect({ status: message.status, channel: message.channel }).toEqual({ status: expected.status, channel: expected.finalChannel })
  }

  const { balance, entries } = yield* Effect.all({
    balance: Effect.map(Effect.flatMap(Accounts.Accounts, (accounts) => accounts.balance(customerId)), (b) => b.balance),
    entries: ledgerEntries(customerId)
  }).pipe(Effect.provide(first))
  expect(entries.reduce((sum, e) => sum + e.amount, 0)).toBe(balance)
  for (const { message } of final) {
    expect(entries.filter((e) => e.messageId === message.id && e.reason === "message_charge")).toHaveLength(1)
  }

  // Every status change after `queued`, once each, whichever instance made it.
  const expectedEvents = final.reduce((n, { message }) => n + message.statusHistory.length - 1, 0)
  yield* Effect.suspend(() =>
    hooks.bodies.length >= expectedEvents ? Effect.void : Effect.fail(`${hooks.bodies.length} of ${expectedEvents} events`)
  ).pipe(Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("30 seconds"))))
  expect(new Set(hooks.bodies.map((b) => b.id)).size).toBe(hooks.bodies.length)
  for (const { message } of final) {
    const statuses = hooks.bodies.filter((b) => b.data.id === message.id).map((b) => b.data.status).sort()
    expect(statuses).toEqual(message.statusHistory.slice(1).map((h) => h.status).sort())
  }
  return final.length
})

await Pg.describeWhenReachable("lifecycles on PostgreSQL, two instances sharing the store", () => {
  it.scopedLive("every ending reaches its outcome once, charged once, each status change sent once", () =>
    Effect.map(lifecycles, (count) => expect(count).toBe(2 * perInstance)), { timeout: 90_000 })
})
