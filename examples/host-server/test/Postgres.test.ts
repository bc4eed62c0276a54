import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { existsSync } from "node:fs"
import * as net from "node:net"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, type Scope } from "effect"
import * as ServerProcess from "../src/ServerProcess.js"
import { call, eventually, tempDir } from "./support.js"

const server = { host: "127.0.0.1", port: 5432 }

const reachable = await new Promise<boolean>((resolve) => {
  const socket = net.connect(server, () => {
    socket.end()
    resolve(true)
  })
  socket.setTimeout(2_000, () => {
    socket.destroy()
    resolve(false)
  })
  socket.on("error", () => resolve(false))
})

/** The URL of a database of its own, created now and dropped when the scope closes. */
const freshDatabase: Effect.Effect<string, unknown, Scope.Scope> = Effect.gen(function*() {
  const admin = yield* PgClient.make({ url: Redacted.make(`postgres://postgres@${server.host}:${server.port}/postgres`) })
  const name = `sent_host_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  yield* Effect.acquireRelease(
    admin.unsafe(`CREATE DATABASE ${name}`),
    () => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.orDie)
  )
  return `postgres://postgres@${server.host}:${server.port}/${name}`
}).pipe(Effect.provide(Reactivity.layer))

if (reachable) {
  describe("host server on PostgreSQL (black box)", () => {
    it.scopedLive("DATABASE_URL wins over SENT_DB, and two server processes share the store", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const env = { DATABASE_URL: yield* freshDatabase, SENT_DB: join(dir, "unused.db"), SENT_ADMIN_KEY: "admin" }
        const first = yield* ServerProcess.start({ cwd: dir, env })
        const second = yield* ServerProcess.start({ cwd: dir, env })
        expect(existsSync(env.SENT_DB)).toBe(false)
        expect(first.demoApiKey).toMatch(/^sent_/)
        expect(second.demoApiKey).toBeUndefined()
        const demo = { "x-api-key": first.demoApiKey! }

        // Sent through one process, delivered by whichever worker claims it, read through the other.
        const templates = yield* call(second.url, "GET", "/v1/templates", { headers: demo })
        const template = (templates.body.data as ReadonlyArray<{ id: string }>)[0]!
        const sent = yield* call(second.url, "POST", "/v1/messages", {
          body: { phoneNumber: "+14155550188", templateId: template.id, templateVariables: { name: "Grace" }, channel: "sms" },
          headers: demo
        })
        expect(sent.status).toBe(202)
        yield* eventually(Effect.flatMap(call(first.url, "GET", `/v1/messages/${String(sent.body.id)}`, { headers: demo }), (answer) =>
          answer.body.status === "delivered" ? Effect.void : Effect.fail(answer.body.status)))

        expect((yield* first.stop("SIGTERM")).code).toBe(0)
        expect((yield* second.stop("SIGTERM")).code).toBe(0)
      }), 120_000)
  })
} else if (process.env.CI === "true") {
  describe("host server on PostgreSQL", () => {
    it("has PostgreSQL in CI", () => {
      expect.fail(`PostgreSQL is not reachable at ${server.host}:${server.port}`)
    })
  })
} else {
  describe.skip("host server on PostgreSQL (unreachable here; runs in CI)", () => {
    it("shares the store between processes", () => {})
  })
}
