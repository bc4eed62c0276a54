import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as WakeUp from "../src/WakeUp.js"

describe("WakeUp", () => {
  it.effect("returns at once while ready, and otherwise waits for the next wake, which resumes every waiter", () =>
    Effect.gen(function*() {
      let ready = true
      const wakeUp = WakeUp.make(() => ready)
      yield* wakeUp.wait
      ready = false
      const first = yield* Effect.fork(wakeUp.wait)
      const second = yield* Effect.fork(wakeUp.wait)
      yield* Effect.yieldNow()
      expect(first.unsafePoll()).toBeNull()
      expect(second.unsafePoll()).toBeNull()
      wakeUp.wake()
      yield* Fiber.join(first)
      yield* Fiber.join(second)
    }))

  it.effect("an interrupted wait keeps no other from waking; a wake with nobody waiting is not kept", () =>
    Effect.gen(function*() {
      const wakeUp = WakeUp.make(() => false)
      const gone = yield* Effect.fork(wakeUp.wait)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(gone)
      const kept = yield* Effect.fork(wakeUp.wait)
      yield* Effect.yieldNow()
      wakeUp.wake()
      yield* Fiber.join(kept)
      // A wake with nobody waiting is lost: a wait after it waits for the next one.
      const late = yield* Effect.fork(wakeUp.wait)
      yield* Effect.yieldNow()
      expect(late.unsafePoll()).toBeNull()
      wakeUp.wake()
      yield* Fiber.join(late)
    }))
})
