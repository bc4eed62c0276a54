import { Effect, Exit, Random, Runtime, type Scope } from "effect"
import { nextTurn } from "./turn.js"

/**
 * A batcher: callers submit items one by one, and a fiber hands whatever is waiting (up to `maxBatch`)
 * to `run` at once. It waits one turn of the event loop after the first item, so the other callers
 * under way join the batch, and never longer, so a quiet process runs each item at once. Callers hear
 * their result only when `run` is done with the whole batch.
 *
 * `run` must be all-or-nothing (one transaction): a batch that fails is run again, twice at most, after a
 * short random pause — processes sharing PostgreSQL can deadlock on each other's rows, and the database
 * then aborts one of them — and only a third failure fails every caller.
 *
 * It sits on every send and every status change, so a caller costs one `Effect.async` and an array push:
 * no queue, no deferred per item. Batches run one at a time in a fiber of the layer's scope, started when
 * the first item arrives and ending when none is left.
 */
export const make = <I, O>(
  maxBatch: number,
  run: (batch: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<O>>
): Effect.Effect<(item: I) => Effect.Effect<O>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const scope = yield* Effect.scope
    interface Pending {
      readonly item: I
      readonly resume: (result: Effect.Effect<O>) => void
    }
    let waiting: Array<Pending> = []
    let draining = false

    const attempt = (items: ReadonlyArray<I>, retriesLeft: number): Effect.Effect<Exit.Exit<ReadonlyArray<O>>> =>
      Effect.flatMap(Effect.exit(run(items)), (exit) =>
        Exit.isSuccess(exit) || retriesLeft === 0
          ? Effect.succeed(exit)
          : Effect.zipRight(
            Effect.flatMap(Random.nextIntBetween(5, 50), (millis) => Effect.sleep(millis)),
            attempt(items, retriesLeft - 1)
          ))

    const drain: Effect.Effect<void> = Effect.gen(function*() {
      while (waiting.length > 0) {
        yield* nextTurn
        const batch = waiting.slice(0, maxBatch)
        waiting = waiting.slice(batch.length)
        const outcome = yield* attempt(batch.map((pending) => pending.item), 2)
        for (const [i, pending] of batch.entries()) {
          pending.resume(Exit.isSuccess(outcome) ? Effect.succeed(outcome.value[i]!) : Effect.failCause(outcome.cause))
        }
      }
      draining = false
    })

    return (item: I) =>
      Effect.async<O>((resume) => {
        const pending: Pending = { item, resume }
        waiting.push(pending)
        if (!draining) {
          draining = true
          runFork(drain, { scope })
        }
        // A caller that gives up before its batch starts leaves it; once started, the batch runs regardless.
        return Effect.sync(() => {
          waiting = waiting.filter((other) => other !== pending)
        })
      })
  })
