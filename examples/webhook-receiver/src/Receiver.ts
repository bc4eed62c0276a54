/**
 * A webhook receiver as a plain `node:http` request handler: it reads the raw body, verifies it with
 * Sent's `Verifier` against the accepted secrets, answers 401 when verification fails and 204 when it
 * succeeds, and hands each verified event to `onEvent`.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { Verifier } from "@sent/webhooks"
import { Either } from "effect"

/** A verified delivery, as the receiver hands it on. */
export interface ReceivedEvent {
  readonly webhookId: string
  readonly timestamp: Date
  readonly payload: unknown
}

/** What the handler needs. */
export interface Options {
  /** Every secret accepted (the current one and, while rotating, the previous one). */
  readonly secrets: ReadonlyArray<string>
  readonly onEvent: (event: ReceivedEvent) => void
  /** Called with the reason of each refused delivery. */
  readonly onRejected?: ((reason: Verifier.WebhookVerificationError["reason"]) => void) | undefined
}

/** Deliveries larger than this are refused unread. */
const maxBodyBytes = 1024 * 1024

/** The request handler. */
export const handler =
  (options: Options) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end()
      return
    }
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes) {
        res.writeHead(413).end()
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => {
      const result = Verifier.verify({ secrets: options.secrets, headers: req.headers, body: Buffer.concat(chunks) })
      Either.match(result, {
        onLeft: (error) => {
          options.onRejected?.(error.reason)
          res.writeHead(401, { "content-type": "text/plain" }).end(error.message)
        },
        onRight: (event) => {
          options.onEvent(event)
          res.writeHead(204).end()
        }
      })
    })
  }
