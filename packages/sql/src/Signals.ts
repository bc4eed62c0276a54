/**
 * Wake-ups for job workers within one process: `signal` completes every `wait` pending on the queue.
 * SQLite stores use it directly; PostgreSQL stores feed it from LISTEN so that signals cross processes.
 */
import { Storage } from "@sent/core"
import { Deferred, Effect, Layer, Ref } from "effect"

/** The in-process wake-ups of every queue. */
export interface Hub {
  readonly wake: (queue: Storage.Queue) => Effect.Effect<void>
  /** Completes at the next `wake` of the queue after the call, or after `timeoutMillis`. */
  readonly wait: (queue: Storage.Queue, timeoutMillis: number) => Effect.Effect<void>
}

/** A fresh hub: each queue has one pending wake-up that the next `wake` completes and replaces. */
export const makeHub: Effect.Effect<Hub> = Effect.gen(function*() {
  const next = {
    dispatch: yield* Ref.make(yield* Deferred.make<void>()),
    webhooks: yield* Ref.make(yield* Deferred.make<void>())
  }
  return {
    wake: (queue) =>
      Effect.flatMap(Deferred.make<void>(), (fresh) =>
        Effect.flatMap(Ref.getAndSet(next[queue], fresh), (woken) => Deferred.succeed(woken, undefined))).pipe(
          Effect.asVoid
        ),
    wait: (queue, timeoutMillis) =>
      Effect.flatMap(Ref.get(next[queue]), (wakeUp) =>
        Deferred.await(wakeUp).pipe(Effect.timeoutOption(timeoutMillis), Effect.asVoid))
  }
})

/** `JobSignals` within this process. */
export const layerInProcess: Layer.Layer<Storage.JobSignals> = Layer.effect(
  Storage.JobSignals,
  Effect.map(makeHub, (hub) => Storage.JobSignals.of({ signal: hub.wake, wait: hub.wait }))
)
