import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Storage } from "@sent/core"
import { Postgres } from "@sent/sql"
import { Effect, Layer, Redacted } from "effect"
import * as net from "node:net"
import { describe, expect, it } from "vitest"
import { storageContract } from "./StorageContract.js"

const server = { host: "127.0.0.1", port: 5432 }
const adminUrl = `postgres://postgres@${server.host}:${server.port}/postgres`

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

/** A store on a database of its own, created for this file and dropped after it. */
const freshDatabase: Layer.Layer<Storage.Storage, unknown> = Layer.unwrapScoped(
  Effect.gen(function*() {
    const admin = yield* PgClient.make({ url: Redacted.make(adminUrl) })
    const name = `sent_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
    yield* Effect.acquireRelease(
      admin.unsafe(`CREATE DATABASE ${name}`),
      () => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.orDie)
    )
    return Postgres.layer({ url: `postgres://postgres@${server.host}:${server.port}/${name}` })
  }).pipe(Effect.provide(Reactivity.layer))
)

if (reachable) {
  storageContract("Postgres", freshDatabase)
} else if (process.env.CI === "true") {
  describe("Postgres", () => {
    it("is reachable in CI", () => {
      expect.fail(`PostgreSQL is not reachable at ${server.host}:${server.port}`)
    })
  })
} else {
  describe.skip("Postgres (unreachable here; runs in CI)", () => {
    it("contract", () => {})
  })
}
