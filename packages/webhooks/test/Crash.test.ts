import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Webhook } from "standardwebhooks"
import { Dispatcher, WebhookEndpoints } from "../src/index.js"
import {
  acceptedPerMessage,
  emitStatusChanges,
  eventually,
  fastDispatcher,
  makeCustomer,
  nothingPending,
  receiver,
  storeLayer
} from "./support.js"

const worker = fileURLToPath(new URL("./fixtures/dispatch-worker.ts", import.meta.url))

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "sent-webhooks-crash-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const spawnWorker = (filename: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--import", "tsx", worker], { env: { ...process.env, SENT_DB: filename }, stdio: "inherit" })
    ),
    (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  )

const killed = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

describe("Dispatcher crash", () => {
  it.live("loses nothing when the dispatcher process is killed mid-delivery and another one takes over", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const filename = join(dir, "sent.db")
      yield* Effect.gen(function* () {
        const r = yield* receiver
        let arrived = 0
        // Slow answers, so the kill lands while deliveries are in flight.
        r.answer = () => {
          arrived++
          return { status: 200, delayMillis: 150 }
        }
        const customerId = yield* makeCustomer
        const endpoints = yield* WebhookEndpoints.WebhookEndpoints
        const endpoint = yield* endpoints.create(customerId, { url: r.url })
        const events = (yield* Effect.forEach([1, 2, 3, 4, 5, 6], () =>
          emitStatusChanges(customerId, ["sent", "delivered", "read"])
        )).flat()

        const child = yield* spawnWorker(filename)
        yield* eventually(Effect.sync(() => r.received.length >= 4 && arrived > r.received.length), 20_000)
        const inFlight = arrived - r.received.length
        yield* killed(child)
        expect(inFlight).toBeGreaterThan(0)
        expect(r.received.length).toBeLessThan(events.length)

        yield* Dispatcher.make(fastDispatcher)
        yield* eventually(nothingPending, 15_000)

        const log = yield* endpoints.deliveries(customerId, endpoint.id, { limit: 200 })
        const succeeded = new Set(log.data.filter((d) => d.status === "succeeded").map((d) => d.eventId))
        expect(succeeded).toEqual(new Set(events.map((e) => e.id)))
        // Redelivered attempts carry the same id and still verify; each message's events came in order.
        const verifier = new Webhook(endpoint.secret)
        for (const x of r.received) {
          expect(JSON.parse(x.body).id).toBe(x.headers["webhook-id"])
          expect(() => verifier.verify(x.body, x.headers as Record<string, string>)).not.toThrow()
        }
        const perMessage = acceptedPerMessage(r)
        for (const event of events) {
          expect(perMessage.get(event.messageId!)).toEqual(events.filter((e) => e.messageId === event.messageId).map((e) => e.id))
        }
      }).pipe(Effect.scoped, Effect.provide(storeLayer(filename)))
    }).pipe(Effect.scoped), { timeout: 60_000 })
})

