/**
 * The dispatch worker leases no more than it can soon record: when outcomes are recorded more slowly than
 * sends finish, it stops claiming at four times its concurrency instead of leasing every due job.
 */
import { SqlClient } from "@effect/sql"
import { Messaging, Storage } from "@sent/core"
import { Sqlite } from "@sent/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime } from "effect"
import { customerWithTemplate, tempDatabase, usNumber, worldOver } from "./fixtures.js"

const concurrency = 2
const count = 60

/** The store, with every transaction (so every recording of outcomes) taking at least 20 ms more. */
const slowRecording = (filename: string) => {
  const store = Sqlite.layer({ filename })
  const slow = Layer.effect(
    Storage.Transactor,
    Effect.map(Storage.Transactor, (tx) =>
      Storage.Transactor.of({ withTransaction: (effect) => Effect.zipRight(Effect.sleep("20 millis"), tx.withTransaction(effect)) }))
  ).pipe(Layer.provide(store))
  return Layer.merge(store, slow)
}

describe("dispatch backpressure", () => {
  it.live("a worker whose outcomes are recorded slowly holds at most four times its concurrency in leases", () =>
    Effect.promise(async () => {
      const filename = tempDatabase()
      // Queued first, with no worker running: every job is due when the worker starts.
      const sender = ManagedRuntime.make(worldOver(Sqlite.layer({ filename }), { workers: false }))
      const customerId = await sender.runPromise(Effect.gen(function*() {
        const { customerId, template } = yield* customerWithTemplate(10_000_000)
        const messaging = yield* Messaging.Messaging
        for (let i = 0; i < count; i++) {
          // 05: accepted, then silent — each message ends `sent`.
          yield* messaging.send(customerId, { phoneNumber: usNumber("05", String(10 + i)), templateId: template.id, templateVariables: { name: "A", code: "1" }, channel: "sms" })
        }
        return customerId
      }))
      await sender.dispose()

      const worker = ManagedRuntime.make(Layer.provideMerge(
        worldOver(slowRecording(filename), { dispatcher: { concurrency } }),
        Sqlite.layer({ filename })
      ))
      const maxLeased = await worker.runPromise(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        let most = 0
        while (true) {
          const [{ leased }] = yield* sql<{ leased: number }>`SELECT count(*) AS leased FROM dispatch_jobs WHERE locked_by IS NOT NULL`
          most = Math.max(most, leased)
          const [{ waiting }] = yield* sql<{ waiting: number }>`SELECT count(*) AS waiting FROM messages
            WHERE customer_id = ${customerId} AND status <> 'sent'`
          if (waiting === 0) return most
          yield* Effect.sleep("2 millis")
        }
      }))
      await worker.dispose()
      expect(maxLeased).toBeGreaterThan(concurrency)
      expect(maxLeased).toBeLessThanOrEqual(4 * concurrency)
    }), 60_000)
})
