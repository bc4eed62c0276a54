/**
 * WAL checkpoints off the event loop. A checkpoint copies the WAL back into the database file and fsyncs
 * it; run by the writing connection (SQLite's automatic checkpoint), it stalls every request for as long,
 * which on a busy store was ~8 ms every twenty-odd commits. Instead a worker thread with a connection of
 * its own runs a PASSIVE checkpoint every `intervalMillis` — PASSIVE never waits for, nor blocks, the
 * writer — and the writer's own automatic checkpoint is pushed out to a backstop it should never reach.
 */
import { Effect, Runtime, type Scope } from "effect"
import { createRequire } from "node:module"
import { Worker } from "node:worker_threads"

// Plain CommonJS evaluated in the worker, so it loads the same way under every runner (tsx, vitest, node).
const source = `
const { parentPort, workerData } = require("node:worker_threads")
const Database = require(workerData.driver)
const db = new Database(workerData.filename)
const timer = setInterval(() => {
  try { db.pragma("wal_checkpoint(PASSIVE)") } catch (error) { parentPort.postMessage({ error: String(error) }) }
}, workerData.intervalMillis)
parentPort.on("message", () => {
  clearInterval(timer)
  db.close()
  parentPort.postMessage({ stopped: true })
})
`

/** The writer's automatic checkpoint, should the worker ever fall behind (pages; SQLite's default is 1,000). */
export const backstopPages = 16_384

/** Runs checkpoints of the WAL of `filename` in a worker thread for the lifetime of the scope. */
export const start = (filename: string, intervalMillis: number): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.map(Effect.runtime<never>(), (runtime) => {
      const log = (message: string, detail: string) => Runtime.runFork(runtime)(Effect.logWarning(message, detail))
      const driver = createRequire(import.meta.url).resolve("better-sqlite3")
      const worker = new Worker(source, { eval: true, workerData: { driver, filename, intervalMillis } })
      // A checkpoint that fails is retried at the next tick; the backstop keeps the WAL bounded meanwhile.
      worker.on("message", (message: { readonly error?: string }) => {
        if (message.error !== undefined) log("WAL checkpoint failed", message.error)
      })
      // A worker that cannot run leaves the checkpoints to the writer's backstop; it never takes the process down.
      worker.on("error", (error) => {
        log("The WAL checkpointer stopped; the writer checkpoints instead", String(error))
      })
      worker.unref()
      return worker
    }),
    // Its connection closes first, so the writer's own close is the last one and checkpoints the rest.
    (worker) =>
      Effect.async<void>((resume) => {
        let done = false
        const finish = (effect: Effect.Effect<void>) => {
          if (done) return
          done = true
          resume(effect)
        }
        worker.on("message", (message: { readonly stopped?: boolean }) => {
          if (message.stopped === true) finish(Effect.asVoid(Effect.promise(() => worker.terminate())))
        })
        worker.once("error", () => finish(Effect.void))
        worker.once("exit", () => finish(Effect.void))
        // Unreferenced while it runs, so it never keeps a process alive; referenced again to hear it stop.
        worker.ref()
        worker.postMessage("stop")
      })
  ).pipe(Effect.asVoid)
