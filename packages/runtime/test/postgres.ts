/** The local PostgreSQL for tests: whether it answers, and stores over databases of their own. */
import * as Reactivity from "@effect/experimental/Reactivity"
import { describe, expect, it } from "@effect/vitest"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Postgres } from "@sent/sql"
import { Effect, Layer, Redacted } from "effect"
import * as net from "node:net"

const server = { host: "127.0.0.1", port: 5432 }

/** Where the tests expect PostgreSQL. */
export const address = `${server.host}:${server.port}`

/** Whether PostgreSQL accepts connections (checked once, when the test file loads). */
export const reachable = (): Promise<boolean> =>
  new Promise<boolean>((resolve) => {
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

/** A database of its own, created when the scope opens and dropped when it closes; yields its URL. */
export const freshDatabase = Effect.gen(function*() {
  const admin = yield* PgClient.make({ url: Redacted.make(`postgres://postgres@${address}/postgres`) })
  const name = `sent_runtime_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  yield* Effect.acquireRelease(
    admin.unsafe(`CREATE DATABASE ${name}`),
    () => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.orDie)
  )
  return `postgres://postgres@${address}/${name}`
}).pipe(Effect.provide(Reactivity.layer))

/** A PostgreSQL store over a fresh, migrated database that is dropped with the layer. */
export const freshStore = Layer.unwrapScoped(Effect.map(freshDatabase, (url) => Postgres.layer({ url })))

/**
 * Declares the PostgreSQL tests of `name` when PostgreSQL answers; otherwise a failing test under
 * `CI=true` (a missing service is a failure there) and a skipped one elsewhere.
 */
export const describeWhenReachable = async (name: string, tests: () => void): Promise<void> => {
  if (await reachable()) {
    describe(name, tests)
  } else if (process.env.CI === "true") {
    describe(name, () => {
      it("is reachable in CI", () => {
        expect.fail(`PostgreSQL is not reachable at ${address}`)
      })
    })
  } else {
    describe.skip(`${name} (PostgreSQL unreachable here; runs in CI)`, () => {
      it("suite", () => {})
    })
  }
}
