/** Helpers for black-box tests of the host server: a temporary directory, JSON calls, a webhook receiver. */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type IncomingHttpHeaders, request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duration, Effect, Schedule } from "effect"

/** A fresh directory, removed with the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "sent-host-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** An HTTP answer with its parsed JSON body. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: Record<string, unknown>
}

/** One JSON call. */
export const call = (
  url: string,
  method: string,
  path: string,
  options: { readonly body?: unknown; readonly headers?: Record<string, string> } = {}
): Effect.Effect<Answer> =>
  Effect.promise(async () => {
    const response = await fetch(url + path, {
      method,
      headers: { ...(options.body === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text.length > 0 ? JSON.parse(text) : {} }
  })

/** A webhook delivery as received: the raw body (what signatures cover) and the headers. */
export interface Delivery {
  readonly body: string
  readonly headers: IncomingHttpHeaders
}

/** A local webhook receiver answering 204 and keeping every delivery; closed with the scope. */
export const webhookReceiver = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly deliveries: Array<Delivery>; readonly close: () => void }>((resume) => {
    const deliveries: Array<Delivery> = []
    const server = createServer((request, response) => {
      let body = ""
      request.setEncoding("utf8")
      request.on("data", (chunk: string) => (body += chunk))
      request.on("end", () => {
        deliveries.push({ body, headers: request.headers })
        response.writeHead(204).end()
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}/hooks`, deliveries, close: () => server.close() }))
    })
  }),
  (receiver) => Effect.sync(receiver.close)
)

/** Re-runs `check` every 50 ms until it succeeds, for at most `within`. */
export const eventually = <A, E>(check: Effect.Effect<A, E>, within: Duration.DurationInput = Duration.seconds(10)) =>
  Effect.retry(check, Schedule.spaced(Duration.millis(50)).pipe(Schedule.upTo(within)))

/**
 * A JSON request sent in two parts: headers and the first byte now, the rest on `finish()` — a request
 * that is in flight for as long as the test wants.
 */
export const requestInFlight = (url: string, path: string, headers: Record<string, string>, body: unknown) => {
  const payload = Buffer.from(JSON.stringify(body))
  const sending = request(url + path, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", "content-length": String(payload.length) }
  })
  const answer = new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
    sending.on("error", reject)
    sending.on("response", (response) => {
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (text += chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }))
    })
  })
  sending.write(payload.subarray(0, 1))
  return {
    finish: () => sending.end(payload.subarray(1)),
    answer: Effect.promise(() => answer)
  }
}
