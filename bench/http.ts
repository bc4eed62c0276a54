/**
 * `POST /v1/messages` through the real HTTP server (Sent on a file-backed SQLite store, the simulated
 * provider) beside a bare `node:http` server that parses the same JSON and answers 202 — both loaded by
 * autocannon (64 keep-alive connections) in a child process, so the load generator does not share the
 * servers' event loop. Measured as an API process (workers elsewhere, the scale-out shape) and as one
 * process that also dispatches every message it accepts; beside them, the HTTP framework's own ceiling
 * on this machine (its server and an `HttpApi` with an empty handler), which bounds what Sent can reach.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server as NodeServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpServer,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Auth, RateLimit, Server } from "@sent/http"
import { Callbacks, Simulated } from "@sent/providers"
import { SentLayer } from "@sent/runtime"
import { Sqlite } from "@sent/sql"
import { Effect, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import type { Benchmark, BenchRow } from "./Bench.js"

const connections = 64
const warmupSeconds = 3
const durationSeconds = 10
const adminKey = "bench-admin-key"
const autocannonBin = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", "autocannon", "autocannon.js")

interface Load {
  readonly requestsPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly non2xx: number
  readonly errors: number
}

/** Runs autocannon against `url` in a child process and reads its JSON result; a body makes it a POST. */
const autocannon = (url: string, seconds: number, headers: Record<string, string>, body?: string): Promise<Load> =>
  new Promise((resolve, reject) => {
    const args = [autocannonBin, "--json", "-c", String(connections), "-d", String(seconds)]
    if (body !== undefined) args.push("-m", "POST", "-b", body)
    for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}=${value}`)
    const child = spawn(process.execPath, [...args, url], { stdio: ["ignore", "pipe", "ignore"] })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
    child.on("error", reject)
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`))
      const result = JSON.parse(out) as {
        requests: { average: number }
        latency: { p50: number; p99: number }
        non2xx: number
        errors: number
      }
      resolve({
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors
      })
    })
  })

const measure = async (url: string, headers: Record<string, string>, body?: string) => {
  await autocannon(url, warmupSeconds, headers, body)
  return autocannon(url, durationSeconds, headers, body)
}

/** The baseline: parses the JSON body and answers 202 with a small JSON document. */
const bareServer = (): Promise<NodeServer> =>
  new Promise((resolve) => {
    const server = createServer((request, response) => {
      let text = ""
      request.setEncoding("utf8")
      request.on("data", (chunk: string) => (text += chunk))
      request.on("end", () => {
        const parsed = JSON.parse(text) as { templateId: string }
        const answer = JSON.stringify({ id: "00000000-0000-7000-8000-000000000000", templateId: parsed.templateId, status: "queued" })
        response.writeHead(202, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) })
        response.end(answer)
      })
    })
    server.listen(0, "127.0.0.1", () => resolve(server))
  })

/** Sent's HTTP server; `workers: false` is an API process of a scale-out deployment (workers run elsewhere). */
const sentServer = (filename: string, workers: boolean) =>
  ManagedRuntime.make(
    Server.layer.pipe(
      Layer.provide([
        // The bench measures throughput, so the per-key limit (100/s by default) is lifted.
        RateLimit.layer({ requestsPerSecond: 1e9 }),
        Layer.succeed(Auth.AdminKey, Redacted.make(adminKey)),
        Callbacks.layer({})
      ]),
      Layer.provideMerge(SentLayer.layer(Sqlite.layer({ filename }), Simulated.layer(), { workers })),
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
      // No tracer is configured, as in the host server: spans would only cost time.
      Layer.provide(Layer.setTracerEnabled(false))
    )
  )

/**
 * The framework's own ceiling, with nothing of Sent in it: `@effect/platform`'s Node server answering the
 * same JSON with 202 (`HttpApi` off), and an `HttpApi` of one `POST /v1/messages` endpoint whose handler
 * only echoes the decoded payload.
 */
const SendPayload = Schema.Struct({
  contactId: Schema.String,
  templateId: Schema.String,
  templateVariables: Schema.Record({ key: Schema.String, value: Schema.String })
})
const Accepted = Schema.Struct({ id: Schema.String, templateId: Schema.String, status: Schema.String })
const EmptyApi = HttpApi.make("empty").add(
  HttpApiGroup.make("messages").add(
    HttpApiEndpoint.post("send", "/v1/messages").setPayload(SendPayload).addSuccess(Accepted, { status: 202 })
  )
)
const echo = { id: "00000000-0000-7000-8000-000000000000", status: "queued" }
const frameworkServer = (kind: "platform" | "httpApi") =>
  ManagedRuntime.make(
    (kind === "platform"
      ? HttpServer.serve(
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => request.json).pipe(
          Effect.flatMap((body) =>
            HttpServerResponse.json({ ...echo, templateId: (body as { templateId: string }).templateId }, { status: 202 })
          ),
          Effect.orDie
        )
      )
      : HttpApiBuilder.serve().pipe(
        Layer.provide(HttpApiBuilder.api(EmptyApi)),
        Layer.provide(HttpApiBuilder.group(EmptyApi, "messages", (handlers) =>
          handlers.handle("send", ({ payload }) => Effect.succeed({ ...echo, templateId: payload.templateId }))))
      )).pipe(
        Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
        Layer.provide(Layer.setTracerEnabled(false))
      )
  )

const baseUrl = async (runtime: ManagedRuntime.ManagedRuntime<HttpServer.HttpServer, unknown>) => {
  const address = await runtime.runPromise(Effect.map(HttpServer.HttpServer, (server) => server.address))
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  return `http://127.0.0.1:${address.port}`
}

/** Sets up a customer, a template and a contact; returns the base URL, the key and a send body. */
const prepare = async (runtime: ReturnType<typeof sentServer>) => {
  const base = await baseUrl(runtime)
  const admin = { "x-admin-key": adminKey }
  const customer = await post(`${base}/admin/customers`, admin, { name: "bench" })
  await post(`${base}/admin/customers/${customer.id}/top-up`, admin, { amount: 1_000_000 })
  const key = { "x-api-key": customer.apiKey! }
  const template = await post(`${base}/v1/templates`, key, { name: "otp", body: "Your code is {{code}}", channels: ["sms"] })
  const contact = await post(`${base}/v1/contacts`, key, { phoneNumber: "+14155550123" })
  const body = JSON.stringify({ contactId: contact.id, templateId: template.id, templateVariables: { code: "123456" } })
  return { base, key, body }
}

const post = async (url: string, headers: Record<string, string>, body: unknown) => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) })
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as Record<string, string>
}

const benchmark: Benchmark = {
  name: "HTTP POST /v1/messages (autocannon, 64 connections)",
  run: async () => {
    const dir = mkdtempSync(join(tmpdir(), "sent-bench-http-"))
    const bare = await bareServer()
    const api = sentServer(join(dir, "api.db"), false)
    const single = sentServer(join(dir, "single.db"), true)
    try {
      const json = { "content-type": "application/json" }
      const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`
      const onApi = await prepare(api)
      const onSingle = await prepare(single)

      const baseline = await measure(`${bareUrl}/v1/messages`, json, onApi.body)
      const sent = await measure(`${onApi.base}/v1/messages`, { ...json, ...onApi.key }, onApi.body)
      const withWorkers = await measure(`${onSingle.base}/v1/messages`, { ...json, ...onSingle.key }, onSingle.body)
      const platform = frameworkServer("platform")
      const platformRate = await measure(`${await baseUrl(platform)}/v1/messages`, json, onApi.body)
      await platform.dispose()
      const emptyApi = frameworkServer("httpApi")
      const emptyApiRate = await measure(`${await baseUrl(emptyApi)}/v1/messages`, json, onApi.body)
      await emptyApi.dispose()
      // The HTTP layer's own cost, without a send's transaction: a public route and an authenticated read.
      const bareGet = await measure(`${bareUrl}/healthz`, {}, JSON.stringify({ templateId: "x" }))
      const health = await measure(`${onApi.base}/healthz`, {})
      const balance = await measure(`${onApi.base}/v1/balance`, onApi.key)
      const rows: Array<BenchRow> = [
        {
          name: "POST /v1/messages (API process: SQLite file, workers elsewhere)",
          value: sent.requestsPerSecond,
          unit: "req/s",
          baseline: { name: "bare node:http JSON 202", value: baseline.requestsPerSecond },
          target: 0.3,
          notes: `rate limit lifted for the bench; non-2xx ${sent.non2xx}, errors ${sent.errors}`
        },
        { name: "POST /v1/messages p50 latency", value: sent.p50, unit: "ms" },
        { name: "POST /v1/messages p99 latency", value: sent.p99, unit: "ms" },
        { name: "bare node:http p50 latency", value: baseline.p50, unit: "ms" },
        { name: "bare node:http p99 latency", value: baseline.p99, unit: "ms" },
        {
          name: "POST /v1/messages (one process, dispatch and webhook workers on)",
          value: withWorkers.requestsPerSecond,
          unit: "req/s",
          baseline: { name: "bare node:http JSON 202", value: baseline.requestsPerSecond },
          notes: `every send also runs its lifecycle in the same process; p50 ${withWorkers.p50} ms, p99 ${withWorkers.p99} ms; non-2xx ${withWorkers.non2xx}, errors ${withWorkers.errors}`
        },
        {
          name: "framework ceiling: @effect/platform server, JSON in → 202",
          value: platformRate.requestsPerSecond,
          unit: "req/s",
          baseline: { name: "bare node:http JSON 202", value: baseline.requestsPerSecond },
          notes: "the same body and answer as the bare server, through @effect/platform-node's HttpServer; no Sent"
        },
        {
          name: "framework ceiling: HttpApi POST /v1/messages, empty handler",
          value: emptyApiRate.requestsPerSecond,
          unit: "req/s",
          baseline: { name: "bare node:http JSON 202", value: baseline.requestsPerSecond },
          notes: "one HttpApi endpoint decoding the same payload and echoing it; no auth, no store, no Sent"
        },
        {
          name: "GET /healthz (no auth, no store)",
          value: health.requestsPerSecond,
          unit: "req/s",
          baseline: { name: "bare node:http JSON 202", value: bareGet.requestsPerSecond }
        },
        {
          name: "GET /v1/balance (API key, one query)",
          value: balance.requestsPerSecond,
          unit: "req/s",
          baseline: { name: "bare node:http JSON 202", value: bareGet.requestsPerSecond }
        }
      ]
      return rows
    } finally {
      await api.dispose()
      await single.dispose()
      await new Promise((resolve) => bare.close(resolve))
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export default benchmark
