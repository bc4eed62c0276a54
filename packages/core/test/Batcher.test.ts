import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Ref } from "effect"
import * as Batcher from "../src/internal/batcher.js"

/** A batcher that records every batch it runs and answers each item with `answer(item)`. */
const recording = <A, B>(maxBatch: number, answer: (item: A) => B) =>
  Effect.gen(function*() {
    const batches = yield* Ref.make<Array<ReadonlyArray<A>>>([])
    const submit = yield* Batcher.make(maxBatch, (items: ReadonlyArray<A>) =>
      Effect.as(Ref.update(batches, (all) => [...all, items]), items.map(answer)))
    return { batches, submit }
  })

describe("Batcher", () => {
  it.live("runs concurrent submissions in one batch and answers each caller with its own result", () =>
    Effect.gen(function*() {
      const { batches, submit } = yield* recording(64, (n: number) => n * 10)
      const results = yield* Effect.forEach([1, 2, 3, 4], submit, { concurrency: "unbounded" })
      expect(results).toEqual([10, 20, 30, 40])
      expect(yield* Ref.get(batches)).toEqual([[1, 2, 3, 4]])
    }).pipe(Effect.scoped))

  it.live("runs a failed batch again, and fails every caller only after the third failure", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const flaky = yield* Batcher.make(64, (items: ReadonlyArray<string>) =>
        Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (n) =>
          n === 1 ? Effect.die("deadlock detected") : Effect.succeed(items)))
      expect(yield* Effect.forEach(["a", "b"], flaky, { concurrency: "unbounded" })).toEqual(["a", "b"])
      expect(yield* Ref.get(runs)).toBe(2)

      const broken = yield* Batcher.make(64, (_: ReadonlyArray<string>) =>
        Effect.zipRight(Ref.update(runs, (n) => n + 1), Effect.die("always")))
      yield* Ref.set(runs, 0)
      const exits = yield* Effect.forEach(["a", "b"], (item) => Effect.exit(broken(item)), { concurrency: "unbounded" })
      expect(exits.every(Exit.isFailure)).toBe(true)
      expect(yield* Ref.get(runs)).toBe(3)
    }).pipe(Effect.scoped))

  it.live("splits what waits into batches of at most maxBatch, in order, and starts again after going idle", () =>
    Effect.gen(function*() {
      const { batches, submit } = yield* recording(4, (n: number) => n)
      const items = Array.from({ length: 10 }, (_, i) => i)
      expect(yield* Effect.forEach(items, submit, { concurrency: "unbounded" })).toEqual(items)
      expect(yield* Ref.get(batches)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
      // Idle now; a later item gets a batch of its own.
      expect(yield* submit(42)).toBe(42)
      expect((yield* Ref.get(batches)).at(-1)).toEqual([42])
    }).pipe(Effect.scoped))

  it.live("a caller interrupted before its batch starts is left out of it", () =>
    Effect.gen(function*() {
      const { batches, submit } = yield* recording(64, (item: string) => item)
      const gone = yield* Effect.fork(submit("gone"))
      const kept = yield* Effect.fork(submit("kept"))
      // Both are waiting for the batch's turn of the event loop; one gives up.
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(gone)
      expect(yield* Fiber.join(kept)).toBe("kept")
      expect(yield* Ref.get(batches)).toEqual([["kept"]])
    }).pipe(Effect.scoped))
})
