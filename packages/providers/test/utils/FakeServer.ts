/**
 * A local HTTP server for adapter tests: it speaks whatever a test's `reply` says, on 127.0.0.1 at a free
 * port, and records every request it received.
 */
import { Effect, Ref } from "effect"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

/** A request as the fake received it. */
export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** The client's port: requests on one kept-alive connection share it. */
  readonly remotePort: number | undefined
}

/** What the fake answers: a status, headers, and a JSON value or raw text; `hang` never answers. */
export type Reply =
  | {
      readonly status: number
      readonly headers?: Record<string, string>
      readonly json?: unknown
      readonly text?: string
    }
  | { readonly hang: true }

/** A running fake: its base URL and the requests it received so far. */
export interface FakeServer {
  readonly url: string
  readonly received: Effect.Effect<ReadonlyArray<Received>>
}

/** Starts a fake answering each request with `reply`; it stops when the scope closes. */
export const make = (reply: (request: Received, index: number) => Reply) =>
  Effect.gen(function* () {
    const received = yield* Ref.make<ReadonlyArray<Received>>([])
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const request: Received = {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          remotePort: req.socket.remotePort
        }
        const index = Effect.runSync(Ref.modify(received, (all) => [all.length, [...all, request]]))
        const answer = reply(request, index)
        if ("hang" in answer) return
        const body = answer.json === undefined ? (answer.text ?? "") : JSON.stringify(answer.json)
        res.writeHead(answer.status, {
          "content-type": answer.json === undefined ? "text/plain" : "application/json",
          ...answer.headers
        })
        res.end(body)
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    const { port } = server.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}`, received: Ref.get(received) } satisfies FakeServer
  })

/** A base URL nothing listens on: a server is started to reserve a free port, then closed. */
export const refusingUrl = Effect.scoped(
  Effect.map(
    make(() => ({ status: 500 })),
    (fake) => fake.url
  )
)
