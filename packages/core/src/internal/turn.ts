import { Effect } from "effect"

/**
 * Waits for the event loop's next turn (`setImmediate`): lets pending I/O callbacks run — requests that
 * arrived on sockets, say — which a fiber yield (a microtask) would not.
 */
export const nextTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
