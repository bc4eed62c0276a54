import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Storage } from "@sent/core"
import { Duration, Effect, Layer, type Scope } from "effect"
import { Webhook } from "standardwebhooks"
import { Dispatcher, WebhookEndpoints } from "../src/index.js"
import {
  accepted,
  acceptedPerMessage,
  dispatcherLayer,
  emitStatusChanges,
  eventually,
  fastDispatcher,
  makeCustomer,
  nothingPending,
  receiver,
  storeLayer
} from "./support.js"

/** Runs a test against a fresh in-memory store with a dispatcher running. */
const withDispatcher = (options: Partial<Dispatcher.Options> = {}, rotationGrace?: Duration.DurationInput) => <A, E>(
  self: Effect.Effect<A, E, Storage.Storage | SqlClient.SqlClient | WebhookEndpoints.WebhookEndpoints | Scope.Scope>
) =>
  self.pipe(
    Effect.scoped,
    Effect.provide(dispatcherLayer(options).pipe(Layer.provideMerge(storeLayer(":memory:", rotationGrace))))
  )

const setup = Effect.gen(function* () {
  const r = yield* receiver
  const customerId = yield* makeCustomer
  const endpoints = yield* WebhookEndpoints.WebhookEndpoints
  const endpoint = yield* endpoints.create(customerId, { url: r.url })
  return { r, customerId, endpoints, endpoint }
})

describe("Dispatcher", () => {
  it.live("delivers every status change, signed so the standardwebhooks package verifies it, and logs it", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoints, endpoint } = yield* setup
      const events = [
        ...(yield* emitStatusChanges(customerId, ["sent", "delivered", "read"])),
        ...(yield* emitStatusChanges(customerId, ["sent", "failed"]))
      ]
      yield* eventually(Effect.sync(() => accepted(r).length === events.length))
      const verifier = new Webhook(endpoint.secret)
      for (const event of events) {
        const got = r.received.find((x) => x.headers["webhook-id"] === event.id)!
        expect(got.body).toBe(event.payload)
        expect(got.headers["content-type"]).toBe("application/json")
        expect(Math.abs(Number(got.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(10)
        expect(verifier.verify(got.body, got.headers as Record<string, string>)).toEqual(JSON.parse(event.payload))
      }
      const log = yield* eventually(
        Effect.map(endpoints.deliveries(customerId, endpoint.id, { limit: 50 }), (page) => page.data.length === events.length)
      ).pipe(Effect.zipRight(endpoints.deliveries(customerId, endpoint.id, { limit: 50 })))
      expect(new Set(log.data.map((d) => d.eventId))).toEqual(new Set(events.map((e) => e.id)))
      for (const entry of log.data) {
        expect(entry).toMatchObject({ attempt: 1, status: "succeeded", responseStatus: 204 })
        expect(entry.messageId).toBeDefined()
        expect(entry.latencyMs).toBeGreaterThan(0)
      }
    }).pipe(withDispatcher()))

  it.live("rides out a receiver that fails (500s, timeouts, refused connections), in order, with stable ids", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoint } = yield* setup
      const phases: Array<"500" | "hang" | "hang-up"> = ["500", "hang", "hang-up"]
      let phase = 0
      r.answer = () => (phase === 0 ? { status: 500 } : phases[phase] === "hang" ? "hang" : "hang-up")
      const events = (yield* Effect.forEach([1, 2, 3, 4, 5], () => emitStatusChanges(customerId, ["sent", "delivered", "read"]))).flat()
      for (phase = 0; phase < phases.length; phase++) {
        const before = r.received.length
        yield* eventually(Effect.sync(() => r.received.length >= before + 5))
      }
      // Down: connections refused for a while.
      yield* r.stop
      yield* Effect.sleep(Duration.millis(400))
      r.answer = () => ({ status: 200 })
      yield* r.start
      yield* eventually(Effect.sync(() => new Set(accepted(r)).size === events.length))

      const failedAttempts = r.received.filter((x) => x.status !== 200)
      expect(failedAttempts.length).toBeGreaterThanOrEqual(15)
      // Every attempt of an event carries its id, whatever happened to the earlier ones.
      const ids = new Set<string>(events.map((e) => e.id))
      for (const x of r.received) expect(ids.has(String(x.headers["webhook-id"]))).toBe(true)
      for (const x of r.received) {
        expect(JSON.parse(x.body).id).toBe(x.headers["webhook-id"])
        expect(() => new Webhook(endpoint.secret).verify(x.body, x.headers as Record<string, string>)).not.toThrow()
      }
      // In order per message: a message's next event is sent only once the earlier one is delivered.
      const perMessage = acceptedPerMessage(r)
      for (const event of events) expect(perMessage.get(event.messageId!)).toEqual(
        events.filter((e) => e.messageId === event.messageId).map((e) => e.id)
      )
      for (const [, list] of perMessage) {
        const attemptsInArrivalOrder = r.received
          .map((x) => String(x.headers["webhook-id"]))
          .filter((id) => list.includes(id))
        const firstOfLast = attemptsInArrivalOrder.indexOf(list[list.length - 1]!)
        expect(attemptsInArrivalOrder.slice(firstOfLast).every((id) => id === list[list.length - 1])).toBe(true)
      }
    }).pipe(withDispatcher()))

  it.live("honours Retry-After", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoints, endpoint } = yield* setup
      const arrivals: Array<number> = []
      r.answer = () => {
        arrivals.push(Date.now())
        return arrivals.length === 1 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 }
      }
      yield* emitStatusChanges(customerId, ["sent"])
      yield* eventually(Effect.sync(() => accepted(r).length === 1))
      // The schedule alone would retry after ~50 ms.
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(900)
      yield* eventually(Effect.map(endpoints.deliveries(customerId, endpoint.id, { limit: 10 }), (p) => p.data.length === 2))
      const log = yield* endpoints.deliveries(customerId, endpoint.id, { limit: 10 })
      expect(log.data.map((d) => [d.attempt, d.status, d.responseStatus])).toEqual([
        [2, "succeeded", 200],
        [1, "pending", 429]
      ])
    }).pipe(withDispatcher()))

  it.live("gives up after the last scheduled attempt, logging each one", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoints, endpoint } = yield* setup
      r.answer = () => ({ status: 503 })
      yield* emitStatusChanges(customerId, ["sent"])
      yield* eventually(
        Effect.map(endpoints.deliveries(customerId, endpoint.id, { limit: 10 }), (p) => p.data[0]?.status === "failed")
      )
      const log = yield* endpoints.deliveries(customerId, endpoint.id, { limit: 10 })
      expect(log.data.map((d) => [d.attempt, d.status, d.responseStatus, d.error])).toEqual([
        [3, "failed", 503, "Receiver answered HTTP 503"],
        [2, "pending", 503, "Receiver answered HTTP 503"],
        [1, "pending", 503, "Receiver answered HTTP 503"]
      ])
      expect(r.received).toHaveLength(3)
      expect((yield* endpoints.get(customerId, endpoint.id)).enabled).toBe(true)
    }).pipe(
      withDispatcher({
        schedule: { ...fastDispatcher.schedule, delays: [0, 20, 20].map((ms) => Duration.millis(ms)) }
      })
    ))

  it.live("logs timeouts and refused connections with their error", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoints, endpoint } = yield* setup
      r.answer = () => "hang"
      yield* emitStatusChanges(customerId, ["sent"])
      yield* eventually(Effect.map(endpoints.deliveries(customerId, endpoint.id, { limit: 10 }), (p) => p.data.length >= 1))
      yield* r.stop
      const refused = (p: { data: ReadonlyArray<{ error?: string | undefined }> }) =>
        p.data.some((d) => d.error?.includes("ECONNREFUSED") === true)
      yield* eventually(Effect.map(endpoints.deliveries(customerId, endpoint.id, { limit: 10 }), refused))
      const log = (yield* endpoints.deliveries(customerId, endpoint.id, { limit: 10 })).data
      const timedOut = log.find((d) => d.attempt === 1)!
      expect(timedOut).toMatchObject({ status: "pending", error: "No response within 300 ms" })
      expect(timedOut.responseStatus).toBeUndefined()
      expect(timedOut.latencyMs).toBeGreaterThanOrEqual(290)
      expect(log.filter((d) => d.error?.includes("ECONNREFUSED")).every((d) => d.status === "pending" && d.attempt > 1)).toBe(true)
    }).pipe(withDispatcher()))

  it.live("disables an endpoint that answers 410 Gone, and records a webhook.disabled event", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoints, endpoint } = yield* setup
      r.answer = () => ({ status: 410 })
      yield* emitStatusChanges(customerId, ["sent", "delivered"])
      yield* eventually(Effect.map(endpoints.get(customerId, endpoint.id), (e) => !e.enabled))
      yield* emitStatusChanges(customerId, ["sent"])
      yield* Effect.sleep(Duration.millis(300))
      expect(r.received).toHaveLength(1)
      const log = yield* endpoints.deliveries(customerId, endpoint.id, { limit: 10 })
      expect(log.data.map((d) => [d.status, d.responseStatus, d.error])).toEqual([
        ["failed", 410, "Receiver answered HTTP 410; endpoint disabled: the receiver answered 410 Gone"]
      ])
      const sql = yield* SqlClient.SqlClient
      const notices = yield* sql<{ payload: string }>`SELECT payload FROM webhook_events WHERE type = 'webhook.disabled'`
      expect(notices.map((n) => JSON.parse(n.payload).data)).toEqual([
        { webhookId: endpoint.id, reason: "gone", consecutiveFailures: 1, failingSince: log.data[0]!.createdAt.toISOString() }
      ])
    }).pipe(withDispatcher()))

  it.live("disables an endpoint after sustained failure", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoints, endpoint } = yield* setup
      r.answer = () => ({ status: 500 })
      yield* emitStatusChanges(customerId, ["sent"])
      yield* eventually(Effect.map(endpoints.get(customerId, endpoint.id), (e) => !e.enabled))
      expect(r.received).toHaveLength(4)
      const log = yield* endpoints.deliveries(customerId, endpoint.id, { limit: 10 })
      expect(log.data[0]!.error).toMatch(/^Receiver answered HTTP 500; endpoint disabled: 4 failed attempts in a row since /)
      const sql = yield* SqlClient.SqlClient
      const notices = yield* sql<{ payload: string }>`SELECT payload FROM webhook_events WHERE type = 'webhook.disabled'`
      expect(notices.map((n) => JSON.parse(n.payload).data.reason)).toEqual(["sustained-failure"])
    }).pipe(withDispatcher({ disableAfter: { failedAttempts: 4, window: Duration.millis(100) } })))

  it.live("signs with both secrets during a rotation's grace period, then with the new one only", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoints, endpoint } = yield* setup
      const rotated = yield* endpoints.rotateSecret(customerId, endpoint.id)
      expect(rotated.secret).not.toBe(endpoint.secret)
      expect((yield* endpoints.get(customerId, endpoint.id)).secret).toBe(rotated.secret)
      yield* emitStatusChanges(customerId, ["sent"])
      yield* eventually(Effect.sync(() => accepted(r).length === 1))
      const during = r.received[0]!
      expect(String(during.headers["webhook-signature"]).split(" ")).toHaveLength(2)
      for (const secret of [endpoint.secret, rotated.secret]) {
        expect(() => new Webhook(secret).verify(during.body, during.headers as Record<string, string>)).not.toThrow()
      }
      yield* Effect.sleep(Duration.millis(600))
      yield* emitStatusChanges(customerId, ["sent"])
      yield* eventually(Effect.sync(() => accepted(r).length === 2))
      const after = r.received[1]!
      expect(String(after.headers["webhook-signature"]).split(" ")).toHaveLength(1)
      expect(() => new Webhook(rotated.secret).verify(after.body, after.headers as Record<string, string>)).not.toThrow()
      expect(() => new Webhook(endpoint.secret).verify(after.body, after.headers as Record<string, string>)).toThrow()
    }).pipe(withDispatcher({}, Duration.millis(500))))

  it.live("replays a time range, or one event, with the original ids and payloads", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoints, endpoint } = yield* setup
      const first = yield* emitStatusChanges(customerId, ["sent", "delivered"])
      yield* Effect.sleep(Duration.millis(20))
      const second = yield* emitStatusChanges(customerId, ["sent"])
      yield* eventually(Effect.sync(() => accepted(r).length === 3))
      const range = { since: first[0]!.createdAt, until: second[0]!.createdAt }
      expect(yield* endpoints.replay(customerId, endpoint.id, range)).toEqual({ replayed: 2 })
      yield* eventually(Effect.sync(() => accepted(r).length === 5))
      expect(accepted(r).slice(3)).toEqual(first.map((e) => e.id))
      expect(r.received.slice(3).map((x) => x.body)).toEqual(first.map((e) => e.payload))
      const one = second[0]!
      const only = { since: one.createdAt, until: new Date(one.createdAt.getTime() + 1) }
      expect(yield* endpoints.replay(customerId, endpoint.id, only)).toEqual({ replayed: 1 })
      yield* eventually(Effect.sync(() => accepted(r).length === 6))
      expect(accepted(r)[5]).toBe(one.id)
      const verifier = new Webhook(endpoint.secret)
      for (const x of r.received) expect(() => verifier.verify(x.body, x.headers as Record<string, string>)).not.toThrow()
      expect(yield* endpoints.replay(customerId, endpoint.id, { since: new Date(0), until: new Date(1) })).toEqual({ replayed: 0 })
    }).pipe(withDispatcher()))

  it.live("sends a test event on request", () =>
    Effect.gen(function* () {
      const { r, customerId, endpoints, endpoint } = yield* setup
      const { eventId } = yield* endpoints.test(customerId, endpoint.id)
      yield* eventually(Effect.sync(() => accepted(r).length === 1))
      const payload = new Webhook(endpoint.secret).verify(r.received[0]!.body, r.received[0]!.headers as Record<string, string>)
      expect(payload).toMatchObject({ id: eventId, type: "webhook.test", data: { webhookId: endpoint.id } })
      expect(Date.parse((payload as { timestamp: string }).timestamp)).toBeGreaterThan(Date.now() - 10_000)
    }).pipe(withDispatcher()))

  it.live("gives deliveries in flight back when it shuts down, so another worker takes them at once", () =>
    Effect.gen(function* () {
      const { r, customerId } = yield* setup
      r.answer = () => "hang"
      const [event] = yield* emitStatusChanges(customerId, ["sent"])
      const options = { ...fastDispatcher, lease: Duration.minutes(10), shutdownGrace: Duration.millis(50) }
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Dispatcher.make(options)
          yield* eventually(Effect.sync(() => r.received.length === 1))
        })
      )
      r.answer = () => ({ status: 200 })
      yield* Dispatcher.make(options)
      yield* eventually(Effect.sync(() => accepted(r).length === 1), 2_000)
      expect(accepted(r)).toEqual([event!.id])
      yield* eventually(nothingPending)
    }).pipe(Effect.scoped, Effect.provide(storeLayer()))) 
})
