import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Money } from "@sent/core"
import { Duration, Effect, Schedule } from "effect"
import * as Shop from "../src/Shop.js"

// The shop as it runs in production, with Sent's store swapped for a private in-memory database and the
// providers for the simulated ones, reporting without delay.
const credit = Money.micros(2_000_000)

const openShop = Effect.acquireRelease(
  Effect.promise(async () => {
    const shop = await Shop.create({
      sent: { database: { sqlite: ":memory:" }, providers: { simulated: { delayMillis: 0 } } },
      adminKey: "test-admin-key",
      credit
    })
    const server = await new Promise<ReturnType<typeof shop.app.listen>>((resolve) => {
      const listening = shop.app.listen(0, "127.0.0.1", () => resolve(listening))
    })
    return { shop, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  }),
  ({ server, shop }) =>
    Effect.promise(async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await shop.close()
    })
)

const request = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  })

const ship = (url: string, orderId: string, phoneNumber: string) =>
  request(`${url}/orders/${orderId}/shipped`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ customerName: "Ada", phoneNumber })
  })

describe("an Express service embedding Sent", () => {
  it.scopedLive("ships an order: its notification is delivered, charged once, and visible through the mounted API", () =>
    Effect.gen(function*() {
      const { shop, url } = yield* openShop

      const shipped = yield* ship(url, "A-1", "+14155550123")
      expect(shipped.status).toBe(202)
      expect(shipped.body).toMatchObject({ orderId: "A-1", status: "queued" })

      const settled = yield* request(`${url}/orders/A-1/notification`).pipe(
        Effect.filterOrFail((answer) => answer.body.status === "read", () => "not read yet"),
        Effect.retry(Schedule.spaced(Duration.millis(25)).pipe(Schedule.upTo(Duration.seconds(10))))
      )
      expect(settled.body.statusHistory).toEqual(["queued", "sent", "delivered", "read"])
      const price = settled.body.price as number
      expect(price).toBeGreaterThan(0)
      const expected = Money.toDecimal(credit) - price
      expect((yield* request(`${url}/account`)).body).toEqual({ balance: expected, currency: "USD" })

      // The warehouse calls again: the same message answers and nothing more is charged.
      const again = yield* ship(url, "A-1", "+14155550123")
      expect(again.body.messageId).toBe(shipped.body.messageId)
      expect((yield* request(`${url}/account`)).body).toEqual({ balance: expected, currency: "USD" })

      // Sent's own API, mounted under /sent, sees the same data.
      const headers = { "x-api-key": shop.apiKey }
      expect((yield* request(`${url}/sent/healthz`)).body).toEqual({ status: "ok" })
      expect((yield* request(`${url}/sent/v1/balance`, { headers })).body).toEqual({ balance: expected, currency: "USD" })
      const message = yield* request(`${url}/sent/v1/messages/${String(shipped.body.messageId)}`, { headers })
      expect(message.status).toBe(200)
      expect(message.body).toMatchObject({ status: "read", messageBody: "Hi Ada, your order A-1 is on its way." })
      expect((yield* request(`${url}/sent/v1/balance`)).status).toBe(401)
    }))

  it.scopedLive("answers Sent's refusals with their status: an invalid number is a 400 and costs nothing", () =>
    Effect.gen(function*() {
      const { url } = yield* openShop
      const refused = yield* ship(url, "B-1", "not a number")
      expect(refused.status).toBe(400)
      expect(refused.body.code).toBe("INVALID_PHONE_NUMBER")
      expect((yield* request(`${url}/account`)).body).toEqual({ balance: Money.toDecimal(credit), currency: "USD" })
    }))
})
