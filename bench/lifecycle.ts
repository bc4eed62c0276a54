/**
 * Full message lifecycles per second on SQLite (send → dispatched → `delivered`, simulated provider with no
 * report delay), and the send → provider latency at half that load, beside raw better-sqlite3 doing one
 * single-row insert per transaction in the same run.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { Accounts, ContactBook, type Ids, Messaging, Money, Provider, TemplateCatalog } from "@sent/core"
import { Simulated } from "@sent/providers"
import { SentLayer } from "@sent/runtime"
import { Sqlite } from "@sent/sql"
import { Effect, Layer, ManagedRuntime } from "effect"
import { type Benchmark, percentile, rawInsertsPerSecond, throughput } from "./Bench.js"

const COUNT = 8_000
/** Lifecycles run before timing starts, so the figure is of compiled code, as the baseline's is. */
const WARMUP = 1_000

/** The simulated provider, noting when each message reached it. */
const timedProviders = (reachedProvider: Map<string, number>) =>
  Layer.effect(
    Provider.Providers,
    Effect.map(Provider.Providers, (inner) => {
      const wrap = (provider: Provider.ChannelProvider): Provider.ChannelProvider => ({
        name: provider.name,
        send: (request) =>
          Effect.suspend(() => {
            reachedProvider.set(request.messageId, performance.now())
            return provider.send(request)
          })
      })
      return Provider.Providers.of({ ...inner, sms: wrap(inner.sms), whatsapp: wrap(inner.whatsapp) })
    })
  ).pipe(Layer.provide(Simulated.layer({ delayMillis: 0 })))

const world = async (filename: string, reachedProvider: Map<string, number>) => {
  // The same store layer twice is built once: the benchmark reads its SqlClient to count deliveries.
  const store = Sqlite.layer({ filename })
  const runtime = ManagedRuntime.make(
    // Provided, not merged: the workers' fibers, forked while the layer is built, get the setting too.
    Layer.mergeAll(SentLayer.layer(store, timedProviders(reachedProvider)), store).pipe(Layer.provide(Layer.setTracerEnabled(false)))
  )
  const setup = await runtime.runPromise(Effect.gen(function*() {
    const accounts = yield* Accounts.Accounts
    const { customer } = yield* accounts.createCustomer("bench")
    yield* accounts.topUp(customer.id, Money.micros(1_000_000_000_000))
    const template = yield* Effect.flatMap(TemplateCatalog.TemplateCatalog, (t) =>
      t.create(customer.id, { name: "otp", body: "Your code is {{code}}", channels: ["sms"] }))
    const contact = yield* Effect.flatMap(ContactBook.ContactBook, (c) => c.create(customer.id, { phoneNumber: "+14155550123" }))
    return { customerId: customer.id, templateId: template.id, contactId: contact.contact.id }
  }))
  const send = (i: number) =>
    runtime.runPromise(Effect.flatMap(Messaging.Messaging, (m) =>
      m.send(setup.customerId, { contactId: setup.contactId, templateId: setup.templateId, templateVariables: { code: String(i) } })))
  // Watching costs the store little: one seek of the (customer, status) index per look while messages are
  // under way, and one count once none is left (counting all delivered rows on every look grows with them).
  const query = <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
    runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, f))
  const underWay = () =>
    query((sql) =>
      Effect.map(
        sql<{ n: number }>`SELECT EXISTS (SELECT 1 FROM messages
          WHERE customer_id = ${setup.customerId} AND status IN ('queued', 'sent')) AS n`,
        (rows) => rows[0]!.n === 1
      ))
  const delivered = () =>
    query((sql) =>
      Effect.map(
        sql<{ n: number }>`SELECT count(*) AS n FROM messages WHERE customer_id = ${setup.customerId} AND status = 'delivered'`,
        (rows) => rows[0]!.n
      ))
  return { runtime, send, underWay, delivered, customerId: setup.customerId as Ids.CustomerId }
}

/** Waits until no message is under way, then checks that all `count` were delivered. */
const untilDelivered = async (world: { underWay: () => Promise<boolean>; delivered: () => Promise<number> }, count: number) => {
  while (await world.underWay()) await new Promise((resolve) => setTimeout(resolve, 20))
  const delivered = await world.delivered()
  if (delivered !== count) throw new Error(`${delivered} of ${count} messages delivered`)
}

const benchmark: Benchmark = {
  name: "message lifecycles on SQLite (simulated provider, no report delay)",
  run: async () => {
    const dir = mkdtempSync(join(tmpdir(), "sent-bench-lifecycle-"))
    try {
      const baseline = { name: "raw better-sqlite3 insert/tx", value: rawInsertsPerSecond(join(dir, "raw"), COUNT * 2) }

      const reached = new Map<string, number>()
      const full = await world(join(dir, "full.db"), reached)
      await throughput(WARMUP, 64, full.send)
      await untilDelivered(full, WARMUP)
      const started = performance.now()
      await throughput(COUNT, 64, full.send)
      await untilDelivered(full, WARMUP + COUNT)
      const lifecycles = COUNT / ((performance.now() - started) / 1000)
      await full.runtime.dispose()

      // Half the load, paced: the latency from the send's return to the provider's call, warmed up as
      // the throughput run is (a cold start's compilation pauses are no steady-state latency).
      const paced = new Map<string, number>()
      const half = await world(join(dir, "half.db"), paced)
      await throughput(WARMUP, 64, half.send)
      await untilDelivered(half, WARMUP)
      const rate = lifecycles / 2
      const latencies: Array<number> = []
      const pending: Array<Promise<void>> = []
      const begin = performance.now()
      for (let i = 0; i < Math.min(COUNT, Math.round(rate * 3)); i++) {
        const due = begin + (i * 1000) / rate
        const wait = due - performance.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        pending.push(half.send(i).then(({ message }) => {
          const sentAt = performance.now()
          const poll = (): Promise<void> => {
            const at = paced.get(message.id)
            if (at !== undefined) {
              latencies.push(Math.max(0, at - sentAt))
              return Promise.resolve()
            }
            return new Promise((resolve) => setTimeout(resolve, 1)).then(poll)
          }
          return poll()
        }))
      }
      await Promise.all(pending)
      await half.runtime.dispose()

      return [
        { name: "full lifecycles (send → delivered), 64 callers", value: lifecycles, unit: "lifecycles/s", baseline, target: 0.1 },
        {
          name: `send → provider latency p50 at ${rate.toFixed(0)}/s`,
          value: percentile(latencies, 50),
          unit: "ms"
        },
        {
          name: `send → provider latency p99 at ${rate.toFixed(0)}/s`,
          value: percentile(latencies, 99),
          unit: "ms",
          notes: "target p99 ≤ 25 ms"
        }
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export default benchmark
