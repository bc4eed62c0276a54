import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Sender, UrlPolicy } from "../src/index.js"

/** A local receiver answering with `handler`, closed with the scope. */
const server = (handler: Http.RequestListener) =>
  Effect.acquireRelease(
    Effect.async<Http.Server>((resume) => {
      const s = Http.createServer(handler)
      s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
    }),
    (s) => Effect.async<void>((resume) => {
      s.closeAllConnections()
      s.close(() => resume(Effect.void))
    })
  ).pipe(Effect.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`))

const senderLayer = (allowPrivate: boolean, timeout = 300) =>
  Sender.layer({ timeout }).pipe(Layer.provide(UrlPolicy.layer({ allowPrivate })))

const post = (url: string, body = "{}") =>
  Effect.flatMap(Sender.Sender, (s) => s.send({ url, headers: { "content-type": "application/json", "webhook-id": "evt_1" }, body }))

/** How a POST that got no response failed. */
const failure = (url: string) => Effect.map(Effect.flip(post(url)), (e) => e.kind)

describe("Sender", () => {
  it.live("posts the body and headers over a kept-alive connection", () =>
    Effect.gen(function* () {
      const seen: Array<{ body: string; headers: Http.IncomingHttpHeaders; socket: unknown }> = []
      const url = yield* server((req, res) => {
        let body = ""
        req.on("data", (c) => (body += c))
        req.on("end", () => {
          seen.push({ body, headers: req.headers, socket: req.socket })
          res.end("a response body that is drained")
        })
      })
      const first = yield* post(`${url}/hook`, '{"a":"é"}')
      yield* post(`${url}/hook`)
      expect(first.status).toBe(200)
      expect(first.latencyMs).toBeGreaterThan(0)
      expect(seen[0]!.body).toBe('{"a":"é"}')
      expect(seen[0]!.headers["content-type"]).toBe("application/json")
      expect(seen[0]!.headers["webhook-id"]).toBe("evt_1")
      expect(seen[1]!.socket).toBe(seen[0]!.socket)
    }).pipe(Effect.scoped, Effect.provide(senderLayer(true))))

  it.live("reports statuses as they are: no redirect followed, Retry-After passed on", () =>
    Effect.gen(function* () {
      let redirectedTo = 0
      const url = yield* server((req, res) => {
        if (req.url === "/moved") {
          res.writeHead(302, { location: "/target" }).end()
        } else if (req.url === "/target") {
          redirectedTo++
          res.end()
        } else {
          res.writeHead(503, { "retry-after": "7" }).end()
        }
      })
      const moved = yield* post(`${url}/moved`)
      const busy = yield* post(`${url}/busy`)
      expect([moved.status, redirectedTo]).toEqual([302, 0])
      expect([busy.status, busy.retryAfter]).toEqual([503, "7"])
    }).pipe(Effect.scoped, Effect.provide(senderLayer(true))))

  it.live("times out slow receivers and reports refused connections", () =>
    Effect.gen(function* () {
      const url = yield* server(() => {})
      expect(yield* failure(url)).toBe("Timeout")
      expect(yield* failure("http://127.0.0.1:1/")).toBe("Connection")
    }).pipe(Effect.scoped, Effect.provide(senderLayer(true))))

  it.live("refuses private targets at connection time unless allowed, names included", () =>
    Effect.gen(function* () {
      let hits = 0
      const url = yield* server((_req, res) => {
        hits++
        res.end()
      })
      const port = new URL(url).port
      for (const target of [url, `http://localhost:${port}/`]) {
        expect(yield* failure(target)).toBe("Forbidden")
      }
      expect(hits).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(senderLayer(false))))
})
