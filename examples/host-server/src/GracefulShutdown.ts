/**
 * Graceful shutdown of the HTTP server. Closing the scope stops accepting connections and waits for the
 * requests in flight; whatever is still open after the deadline is cut, so a slow or stuck client cannot
 * hold the process past it. (Node closes idle keep-alive connections as soon as `close` is called.)
 */
import type { Server } from "node:http"
import { Duration, Effect, Layer } from "effect"

/** Closes `server` when the layer is released, cutting connections still open after `deadline`. */
export const layer = (server: Server, deadline: Duration.DurationInput) =>
  Layer.scopedDiscard(
    Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        if (!server.listening) return resume(Effect.void)
        const cut = setTimeout(() => server.closeAllConnections(), Duration.toMillis(deadline))
        server.close(() => {
          clearTimeout(cut)
          resume(Effect.void)
        })
      })
    )
  )
