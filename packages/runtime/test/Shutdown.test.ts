/**
 * Graceful shutdown of the dispatch worker: it stops claiming, lets the sends it holds finish within the
 * grace period (and records them), and gives back whatever is still in flight when the grace runs out.
 */
import { SqlClient } from "@effect/sql"
import { Messaging, Provider } from "@sent/core"
import { Simulated } from "@sent/providers"
import { Sqlite } from "@sent/sql"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer, ManagedRuntime, Ref } from "effect"
import * as SentLayer from "../src/SentLayer.js"
import { customerWithTemplate, tempDatabase, usNumber } from "./fixtures.js"

/** The simulated providers behind an SMS send that takes `sendMillis`; counts the sends that began. */
const slowProviders = (sendMillis: number, began: Ref.Ref<number>, allBegan: Deferred.Deferred<void>, expected: number) =>
  Layer.effect(
    Provider.Providers,
    Effect.map(Provider.Providers, (inner) =>
      Provider.Providers.of({
        ...inner,
        sms: {
          name: inner.sms.name,
          send: (request) =>
            Effect.gen(function*() {
              if ((yield* Ref.updateAndGet(began, (n) => n + 1)) === expected) yield* Deferred.succeed(allBegan, undefined)
              yield* Effect.sleep(sendMillis)
              return yield* inner.sms.send(request)
            })
        }
      }))
  ).pipe(Layer.provide(Simulated.layer({ delayMillis: 60_000 })))

/** Sends `count` SMS, waits until the provider has them all in hand, then shuts the runtime down. */
const sendThenShutDown = async (filename: string, sendMillis: number, graceMillis: number, count: number) => {
  const began = Ref.unsafeMake(0)
  const allBegan = Deferred.unsafeMake<void>(undefined as never)
  const store = Sqlite.layer({ filename })
  const runtime = ManagedRuntime.make(SentLayer.layer(store, slowProviders(sendMillis, began, allBegan, count), {
    dispatcher: { shutdownGraceMillis: graceMillis }
  }))
  await runtime.runPromise(Effect.gen(function*() {
    const { customerId, template } = yield* customerWithTemplate(1_000_000)
    const messaging = yield* Messaging.Messaging
    for (let i = 0; i < count; i++) {
      yield* messaging.send(customerId, { phoneNumber: usNumber("10", String(10 + i)), templateId: template.id, templateVariables: { name: "A", code: String(i) }, channel: "sms" })
    }
    yield* Deferred.await(allBegan)
  }))
  const started = Date.now()
  await runtime.dispose()
  return Date.now() - started
}

/** What the store holds afterwards: message statuses and the dispatch jobs with their leases. */
const inspect = (filename: string) =>
  ManagedRuntime.make(Sqlite.layer({ filename })).runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.all({
      statuses: Effect.map(sql<{ status: string }>`SELECT status FROM messages ORDER BY id`, (rows) => rows.map((r) => r.status)),
      jobs: sql<{ locked_by: string | null }>`SELECT locked_by FROM dispatch_jobs`
    })))

describe("the dispatch worker on shutdown", () => {
  it("finishes the sends it holds within the grace period and records them", async () => {
    const filename = tempDatabase()
    await sendThenShutDown(filename, 200, 5_000, 3)
    const { jobs, statuses } = await inspect(filename)
    expect(statuses).toEqual(["sent", "sent", "sent"])
    expect(jobs).toEqual([])
  })

  it("gives back the jobs whose sends outlast the grace period, due at once for the next worker", async () => {
    const filename = tempDatabase()
    const tookMillis = await sendThenShutDown(filename, 60_000, 300, 3)
    expect(tookMillis).toBeLessThan(10_000)
    const { jobs, statuses } = await inspect(filename)
    expect(statuses).toEqual(["queued", "queued", "queued"])
    expect(jobs).toEqual([{ locked_by: null }, { locked_by: null }, { locked_by: null }])
  })
})
