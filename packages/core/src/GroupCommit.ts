/**
 * Group commit: many small units of work share one transaction, so a busy process pays for one commit
 * (and one WAL write of the pages they share) instead of one per unit.
 *
 * Units cannot fail (their error type is `never`), so they need no savepoints of their own: a defect in
 * any of them rolls back the whole batch, and every caller of the batch dies with it. Callers learn their
 * outcome only after the shared transaction committed, so nobody is told "done" for work that a failed
 * commit undid. A batch takes whatever is waiting (up to `maxBatch`) after one turn of the event loop, and
 * never waits longer to fill up, so a quiet process commits at once.
 * Units must not call `run` themselves: they would wait for the batch they are part of.
 */
import { Chunk, Context, Deferred, Effect, Exit, Layer, Queue } from "effect"
import { nextTurn } from "./internal/turn.js"
import { Transactor } from "./Storage.js"

interface Unit {
  readonly effect: Effect.Effect<unknown>
  readonly done: Deferred.Deferred<unknown>
}

/** Runs units of work in shared transactions. */
export class GroupCommit extends Context.Tag("@sent/core/GroupCommit")<
  GroupCommit,
  {
    /** Runs `effect` atomically, in a transaction it may share with other units. */
    readonly run: <A>(effect: Effect.Effect<A>) => Effect.Effect<A>
  }
>() {
  /** Group commit over the `Transactor`; its committer fiber lives as long as the layer. */
  static readonly layer = (options: { readonly maxBatch?: number } = {}) =>
    Layer.scoped(
      GroupCommit,
      Effect.gen(function*() {
        const tx = yield* Transactor
        const maxBatch = options.maxBatch ?? 64
        const waiting = yield* Queue.unbounded<Unit>()

        const commitBatch = Effect.gen(function*() {
          const first = yield* Queue.takeBetween(waiting, 1, maxBatch)
          // One turn of the event loop for the other units under way to join this batch.
          yield* nextTurn
          const units = Chunk.appendAll(first, yield* Queue.takeUpTo(waiting, maxBatch - first.length))
          const outcome = yield* Effect.exit(tx.withTransaction(Effect.forEach(units, (unit) => unit.effect)))
          let i = 0
          for (const unit of units) {
            yield* Exit.isSuccess(outcome)
              ? Deferred.succeed(unit.done, outcome.value[i++])
              : Deferred.failCause(unit.done, outcome.cause)
          }
        })
        yield* Effect.forkScoped(Effect.forever(commitBatch))

        return GroupCommit.of({
          run: <A>(effect: Effect.Effect<A>) =>
            Effect.flatMap(Deferred.make<unknown>(), (done) =>
              Effect.zipRight(Queue.offer(waiting, { effect, done }), Deferred.await(done))) as Effect.Effect<A>
        })
      })
    )
}
