/** Test helpers: a SQLite store with a customer, status-change events like status tracking emits, and a receiver. */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as SqlClient from "@effect/sql/SqlClient"
import { Customer, Ids, Message, Storage, Webhook } from "@sent/core"
import { Sqlite } from "@sent/sql"
import { Clock, Duration, Effect, Layer, Schema } from "effect"
import { Dispatcher, RetrySchedule, Sender, UrlPolicy, WebhookEndpoints } from "../src/index.js"

/** Fast retries for tests: 30 attempts, 50 ms apart at first. */
export const fastSchedule: RetrySchedule.RetrySchedule = {
  delays: [0, 50, 100, ...Array<number>(27).fill(150)].map((ms) => Duration.millis(ms)),
  jitter: 0.1,
  maxRetryAfter: Duration.seconds(5)
}

/** Dispatcher options scaled down for tests. */
export const fastDispatcher: Dispatcher.Options = {
  concurrency: 8,
  lease: Duration.seconds(2),
  pollInterval: Duration.millis(100),
  schedule: fastSchedule,
  disableAfter: { failedAttempts: 1000, window: Duration.days(1) },
  shutdownGrace: Duration.millis(500)
}

/** The store (a SQLite file or `:memory:`), the URL policy allowing localhost, and the endpoint service. */
export const storeLayer = (filename = ":memory:", rotationGrace: Duration.DurationInput = Duration.hours(24)) => {
  const policy = UrlPolicy.layer({ allowPrivate: true })
  return Layer.mergeAll(
    WebhookEndpoints.layer({ rotationGrace }).pipe(Layer.provide(policy)),
    Sender.layer({ timeout: Duration.millis(300) }).pipe(Layer.provide(policy))
  ).pipe(Layer.provideMerge(Layer.orDie(Sqlite.layer({ filename }))))
}

/** The dispatcher on top of `storeLayer`. */
export const dispatcherLayer = (options: Partial<Dispatcher.Options> = {}) =>
  Dispatcher.layer({ ...fastDispatcher, ...options })

/** A new customer. */
export const makeCustomer = Effect.gen(function* () {
  const customers = yield* Storage.Customers
  const customer: Customer.Customer = {
    id: yield* Ids.make(Ids.CustomerId),
    name: "webhooks test",
    createdAt: new Date(yield* Clock.currentTimeMillis)
  }
  yield* customers.insert(customer, `hash-${customer.id}`)
  return customer.id
})

const sampleMessage = (customerId: Ids.CustomerId, messageId: string) =>
  Schema.decodeUnknownSync(Message.Message)({
    id: messageId,
    customerId,
    contact: { id: "0190e0e4-0000-7000-8000-000000000001", phoneNumber: "+14155550123" },
    template: { id: "0190e0e4-0000-7000-8000-000000000002", name: "otp" },
    channel: "sms",
    messageBody: "Your code is 123456",
    status: "queued",
    statusHistory: [{ status: "queued", timestamp: "2026-01-01T00:00:00.000Z" }],
    channelResponse: null,
    pricing: { originalPrice: 0.0075, correctedPrice: null, currency: "USD" },
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z"
  })

const encodeEvent = Schema.encodeSync(Webhook.MessageStatusUpdated)

/**
 * Emits one `message.status.updated` event per status, in order, for a new message, the way status
 * tracking does (one transaction per change, then a wake-up signal). Returns the events.
 */
export const emitStatusChanges = (customerId: Ids.CustomerId, statuses: ReadonlyArray<"sent" | "delivered" | "read" | "failed">) =>
  Effect.gen(function* () {
    const webhooks = yield* Storage.Webhooks
    const transactor = yield* Storage.Transactor
    const signals = yield* Storage.JobSignals
    const messageId = yield* Ids.make(Ids.MessageId)
    const message = sampleMessage(customerId, messageId)
    const events: Array<Storage.StoredEvent> = []
    for (const status of statuses) {
      const at = new Date(yield* Clock.currentTimeMillis)
      const id = yield* Ids.make(Ids.EventId)
      const data = { ...message, status, statusHistory: [...message.statusHistory, { status, timestamp: at }], updatedAt: at }
      const event: Storage.StoredEvent = {
        id,
        customerId,
        type: "message.status.updated",
        messageId,
        payload: JSON.stringify(encodeEvent({ id, type: "message.status.updated", timestamp: at, data })),
        createdAt: at
      }
      yield* transactor.withTransaction(webhooks.emit(event))
      yield* signals.signal("webhooks")
      events.push(event)
    }
    return events
  })

/** One request a receiver got. */
export interface Received {
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
  /** What it answered (`null` when it hung up or never answered). */
  readonly status: number | null
}

/** How the receiver answers one request. */
export type Answer =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly delayMillis?: number }
  | "hang"
  | "hang-up"

/** A local receiver whose answers a test scripts, and that can go down (connection refused) and come back. */
export interface Receiver {
  readonly url: string
  readonly received: Array<Received>
  answer: (request: Received) => Answer
  readonly stop: Effect.Effect<void>
  readonly start: Effect.Effect<void>
}

/** A receiver on a free port, answering 204 until told otherwise; closed with the scope. */
export const receiver = Effect.gen(function* () {
  let server: Http.Server | undefined
  let port = 0
  const self: Receiver = {
    url: "",
    received: [],
    answer: () => ({ status: 204 }),
    stop: Effect.async<void>((resume) => {
      const s = server
      server = undefined
      if (s === undefined) return resume(Effect.void)
      s.close(() => resume(Effect.void))
      s.closeAllConnections()
    }),
    start: Effect.async<void>((resume) => {
      const s = Http.createServer((req, res) => {
        let body = ""
        req.setEncoding("utf8")
        req.on("data", (chunk: string) => (body += chunk))
        req.on("end", () => {
          const request = { headers: req.headers, body }
          const answer = self.answer({ ...request, status: null })
          if (answer === "hang") return self.received.push({ ...request, status: null })
          if (answer === "hang-up") {
            self.received.push({ ...request, status: null })
            return req.socket.destroy()
          }
          const reply = () => {
            self.received.push({ ...request, status: answer.status })
            res.writeHead(answer.status, answer.headers).end()
          }
          if (answer.delayMillis === undefined) reply()
          else setTimeout(reply, answer.delayMillis)
        })
      })
      server = s
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as AddressInfo).port
        resume(Effect.void)
      })
    })
  }
  yield* Effect.acquireRelease(self.start, () => self.stop)
  return Object.assign(self, { url: `http://127.0.0.1:${port}/hooks` })
})

/** Waits (polling) until `check` holds, failing the test after `timeoutMillis`. */
export const eventually = <E, R>(check: Effect.Effect<boolean, E, R>, timeoutMillis = 10_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMillis
    while (!(yield* check)) {
      if (Date.now() > deadline) return yield* Effect.dieMessage(`condition not met within ${timeoutMillis} ms`)
      yield* Effect.sleep(Duration.millis(20))
    }
  })

/** Whether every delivery in the store is settled (succeeded or failed). */
export const nothingPending = Effect.map(
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1 FROM webhook_deliveries WHERE status = 'pending' LIMIT 1`),
  (rows) => rows.length === 0
)

/** The event ids a receiver accepted (2xx), in order of arrival. */
export const accepted = (r: Receiver): ReadonlyArray<string> =>
  r.received.filter((x) => x.status !== null && x.status >= 200 && x.status < 300).map((x) => String(x.headers["webhook-id"]))

/** Each message's event ids, deduplicated, in order of first acceptance. */
export const acceptedPerMessage = (r: Receiver): Map<string, ReadonlyArray<string>> => {
  const perMessage = new Map<string, Array<string>>()
  for (const x of r.received) {
    if (x.status === null || x.status >= 300) continue
    const payload = JSON.parse(x.body) as { id: string; data: { id: string } }
    const list = perMessage.get(payload.data.id) ?? []
    if (!list.includes(payload.id)) list.push(payload.id)
    perMessage.set(payload.data.id, list)
  }
  return perMessage
}
