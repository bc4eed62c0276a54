import { Chunk, Deferred, Effect, Exit, Queue, Random, type Scope } from "effect"
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
 */
export const make = <I, O>(
  maxBatch: number,
  run: (batch: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<O>>
): Effect.Effect<(item: I) => Effect.Effect<O>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const waiting = yield* Queue.unbounded<{ readonly item: I; readonly done: Deferred.Deferred<O> }>()
    const runBatch = Effect.gen(function*() {
      const first = yield* Queue.takeBetween(waiting, 1, maxBatch)
      yield* nextTurn
      const batch = Chunk.toReadonlyArray(Chunk.appendAll(first, yield* Queue.takeUpTo(waiting, maxBatch - first.length)))
      const items = batch.map((pending) => pending.item)
      const attempt = (retriesLeft: number): Effect.Effect<Exit.Exit<ReadonlyArray<O>>> =>
        Effect.flatMap(Effect.exit(run(items)), (exit) =>
          Exit.isSuccess(exit) || retriesLeft === 0
            ? Effect.succeed(exit)
            : Effect.zipRight(
              Effect.flatMap(Random.nextIntBetween(5, 50), (millis) => Effect.sleep(millis)),
              attempt(retriesLeft - 1)
            ))
      const outcome = yield* attempt(2)
      for (const [i, pending] of batch.entries()) {
        yield* Exit.isSuccess(outcome)
          ? Deferred.succeed(pending.done, outcome.value[i]!)
          : Deferred.failCause(pending.done, outcome.cause)
      }
    })
    yield* Effect.forkScoped(Effect.forever(runBatch))
    return (item: I) =>
      Effect.flatMap(Deferred.make<O>(), (done) => Effect.zipRight(Queue.offer(waiting, { item, done }), Deferred.await(done)))
  })
