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
import { Context, Effect, Layer } from "effect"
import * as Batcher from "./internal/batcher.js"
import { Transactor } from "./Storage.js"

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
        const submit = yield* Batcher.make(
          options.maxBatch ?? 256,
          (units: ReadonlyArray<Effect.Effect<unknown>>) => tx.withTransaction(Effect.all(units))
        )
        return GroupCommit.of({ run: <A>(effect: Effect.Effect<A>) => submit(effect) as Effect.Effect<A> })
      })
    )
}
