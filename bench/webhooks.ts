/**
 * Webhook deliveries per second, end to end: events already stored in the outbox (SQLite file, WAL) until
 * each is acknowledged by the receiver and its attempt logged. Beside it, the baseline: the same number of
 * Standard-Webhooks-signed POSTs of the same bodies sent with bare `node:http` and a keep-alive agent, 64 in
 * flight. Both go to the example receiver (which verifies every signature) running in another process.
 */
import { spawn } from "node:child_process"
import { createHmac } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { SqlClient } from "@effect/sql"
import { Ids, Storage } from "@sent/core"
import { Sqlite } from "@sent/sql"
import { Dispatcher, Sender, Signature, UrlPolicy } from "@sent/webhooks"
import { Duration, Effect, Layer, ManagedRuntime } from "effect"
import { type Benchmark, median } from "./Bench.js"

const COUNT = 5_000
const WARM_UP = 1_000
/**
 * Measured rounds, each a baseline then the dispatcher: on a shared machine, load comes and goes, so each
 * side is reported as the median of its rounds, measured right beside the other's.
 */
const ROUNDS = 3
const IN_FLIGHT = 64
/** Each message gets this many events, so the per-message ordering is exercised too. */
const EVENTS_PER_MESSAGE = 2

const receiverMain = fileURLToPath(new URL("../examples/webhook-receiver/src/main.ts", import.meta.url))

/** Starts the example receiver in a child process; resolves with its URL and a stop function. */
const startReceiver = async (secret: string) => {
  const child = spawn(process.execPath, ["--import", "tsx", receiverMain], {
    env: { ...process.env, WEBHOOK_SECRETS: secret, PORT: "0", QUIET: "1" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const lines = createInterface({ input: child.stdout })
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the receiver exited with ${code}`)))
    lines.once("line", (line) => resolve((JSON.parse(line) as { listening: number }).listening))
  })
  const stop = async (): Promise<number> => {
    const received = new Promise<number>((resolve) =>
      lines.once("line", (line) => resolve((JSON.parse(line) as { received: number }).received))
    )
    child.kill("SIGTERM")
    return received
  }
  return { url: `http://127.0.0.1:${port}/hooks`, stop }
}

/** A realistic body: a Message as `message.status.updated` carries it. */
const payload = (eventId: string, messageId: string, customerId: string, status: string, at: Date) =>
  JSON.stringify({
    id: eventId,
    type: "message.status.updated",
    timestamp: at.toISOString(),
    data: {
      id: messageId,
      customerId,
      contact: { id: "0190e0e4-0000-7000-8000-000000000001", phoneNumber: "+14155550123" },
      template: { id: "0190e0e4-0000-7000-8000-000000000002", name: "otp" },
      channel: "sms",
      messageBody: "Your verification code is 123456. It expires in 10 minutes.",
      status,
      statusHistory: [
        { status: "queued", timestamp: at.toISOString() },
        { status, timestamp: at.toISOString() }
      ],
      channelResponse: { provider: "simulated", providerMessageId: `sim-${messageId}` },
      pricing: { originalPrice: 0.0075, correctedPrice: status === "delivered" ? 0.0075 : null, currency: "USD" },
      createdAt: at.toISOString(),
      updatedAt: at.toISOString()
    }
  })

/** The baseline: signed POSTs with bare node:http, `IN_FLIGHT` at once; returns POSTs per second. */
const baseline = async (url: string, secret: string, bodies: ReadonlyArray<{ id: string; body: string }>) => {
  const agent = new Http.Agent({ keepAlive: true })
  const key = Signature.secretKey(secret)
  const post = ({ id, body }: { id: string; body: string }) =>
    new Promise<void>((resolve, reject) => {
      const timestamp = Math.floor(Date.now() / 1000)
      const signature = "v1," + createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")
      const req = Http.request(url, {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "webhook-id": id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signature
        }
      })
      req.on("error", reject)
      req.on("response", (res) => {
        res.on("end", () => (res.statusCode === 204 ? resolve() : reject(new Error(`status ${res.statusCode}`))))
        res.resume()
      })
      req.end(body)
    })
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) await post(bodies[next++]!)
    })
  )
  const rate = bodies.length / ((performance.now() - started) / 1000)
  agent.destroy()
  return rate
}

/** Stores `count` events (two per message) for the endpoint, in batches of one transaction each. */
const emitEvents = (customerId: Ids.CustomerId, count: number) =>
  Effect.gen(function* () {
    const webhooks = yield* Storage.Webhooks
    const transactor = yield* Storage.Transactor
    const events: Array<Storage.StoredEvent> = []
    for (let i = 0; i < count / EVENTS_PER_MESSAGE; i++) {
      const messageId = yield* Ids.make(Ids.MessageId)
      for (const status of ["sent", "delivered"].slice(0, EVENTS_PER_MESSAGE)) {
        const id = yield* Ids.make(Ids.EventId)
        const at = new Date()
        events.push({
          id,
          customerId,
          type: "message.status.updated",
          messageId,
          payload: payload(id, messageId, customerId, status, at),
          createdAt: at
        })
      }
    }
    for (let i = 0; i < events.length; i += 500) {
      yield* transactor.withTransaction(Effect.forEach(events.slice(i, i + 500), (event) => webhooks.emit(event), { discard: true }))
    }
    return events
  })

/** Runs a dispatcher until every stored delivery is settled; returns deliveries per second. */
const dispatchAll = (count: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const pending = Effect.map(sql`SELECT 1 FROM webhook_deliveries WHERE status = 'pending' LIMIT 1`, (rows) => rows.length > 0)
    const started = performance.now()
    yield* Dispatcher.make({ ...Dispatcher.defaultOptions, concurrency: IN_FLIGHT })
    while (yield* pending) yield* Effect.sleep(Duration.millis(10))
    return count / ((performance.now() - started) / 1000)
  }).pipe(Effect.scoped)

const benchmark: Benchmark = {
  name: "webhook deliveries (SQLite outbox → receiver in another process)",
  run: async () => {
    const dir = mkdtempSync(join(tmpdir(), "sent-bench-webhooks-"))
    const secret = Effect.runSync(Signature.generateSecret)
    const receiver = await startReceiver(secret)
    const policy = UrlPolicy.layer({ allowPrivate: true })
    // No tracer, as in a host that installs none: spans are skipped where they would cost more than their work.
    const runtime = ManagedRuntime.make(
      Sender.layer().pipe(
        Layer.provide(policy),
        Layer.provideMerge(Layer.orDie(Sqlite.layer({ filename: join(dir, "sent.db") }))),
        Layer.provideMerge(Layer.setTracerEnabled(false))
      )
    )
    try {
      const [customerId, endpointId] = await runtime.runPromise(
        Effect.gen(function* () {
          const customerId = yield* Ids.make(Ids.CustomerId)
          yield* (yield* Storage.Customers).insert({ id: customerId, name: "bench", createdAt: new Date() }, "bench-key-hash")
          const endpointId = yield* Ids.make(Ids.WebhookId)
          yield* (yield* Storage.Webhooks).insert(customerId, {
            id: endpointId,
            url: receiver.url,
            eventTypes: ["message.status.updated"],
            secret,
            enabled: true,
            createdAt: new Date()
          })
          return [customerId, endpointId] as const
        })
      )
      const measure = (count: number) =>
        runtime.runPromise(Effect.flatMap(emitEvents(customerId, count), () => dispatchAll(count)))
      const bodies = (count: number) =>
        Array.from({ length: count }, (_, i) => {
          const id = `evt_${count}_${i}`
          return { id, body: payload(id, `msg_${Math.floor(i / EVENTS_PER_MESSAGE)}`, customerId, "delivered", new Date()) }
        })

      await baseline(receiver.url, secret, bodies(WARM_UP))
      await measure(WARM_UP)
      const bareRounds: Array<number> = []
      const sentRounds: Array<number> = []
      for (let round = 0; round < ROUNDS; round++) {
        bareRounds.push(await baseline(receiver.url, secret, bodies(COUNT)))
        sentRounds.push(await measure(COUNT))
      }

      const succeeded = await runtime.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql<{ n: number }>`SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'succeeded' AND endpoint_id = ${endpointId}`)
      )
      const received = await receiver.stop()
      const total = WARM_UP + ROUNDS * COUNT
      const expected = 2 * total
      const delivered = succeeded[0]?.n ?? 0
      if (received < expected || delivered !== total) {
        throw new Error(`lost deliveries: receiver verified ${received}/${expected}, store logged ${delivered}/${total}`)
      }
      const rounds = sentRounds.map((sent, i) => `${sent.toFixed(0)} vs ${bareRounds[i]!.toFixed(0)}`).join(", ")
      return [
        {
          name: `deliveries/s, stored event → acknowledged + logged (${COUNT}, ${IN_FLIGHT} in flight)`,
          value: median(sentRounds),
          unit: "deliveries/s",
          baseline: { name: `node:http keep-alive signed POSTs (${IN_FLIGHT} in flight)`, value: median(bareRounds) },
          target: 0.4,
          notes: `medians of ${ROUNDS} rounds (deliveries/s vs baseline: ${rounds}); ${EVENTS_PER_MESSAGE} events per ` +
            `message (delivered in order); every request verified by the receiver`
        }
      ]
    } finally {
      await runtime.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export default benchmark
