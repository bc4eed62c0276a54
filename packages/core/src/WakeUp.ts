/**
 * A wake-up for the fibers that wait for a condition of a worker's own state (a free slot, finished
 * work): `wait` returns at once when `ready` holds, else suspends until the next `wake`. Plain callbacks
 * rather than a queue and a deferred: workers wake on every job and every delivery.
 */
import { Effect } from "effect"

/** Waiting for a condition, and waking the waiters when it may have come true. */
export interface WakeUp {
  /** Returns at once when `ready` holds; otherwise completes at the next `wake`. */
  readonly wait: Effect.Effect<void>
  /** Resumes every fiber waiting now. */
  readonly wake: () => void
}

/** A wake-up whose `wait` returns at once while `ready` holds. */
export const make = (ready: () => boolean): WakeUp => {
  const waiting = new Set<() => void>()
  return {
    wait: Effect.async<void>((resume) => {
      if (ready()) return resume(Effect.void)
      const waiter = () => resume(Effect.void)
      waiting.add(waiter)
      // An interrupted wait (a lost race) leaves; the others stay.
      return Effect.sync(() => waiting.delete(waiter))
    }),
    wake: () => {
      if (waiting.size === 0) return
      const woken = [...waiting]
      waiting.clear()
      for (const resume of woken) resume()
    }
  }
}
