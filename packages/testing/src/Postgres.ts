/**
 * The local PostgreSQL the suites use: whether it answers, scratch databases of their own, and suites that
 * run when it answers, fail under `CI=true` when it does not (a missing service is a failure there), and
 * are reported as skipped elsewhere.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, type Scope } from "effect"
import * as net from "node:net"

const server = { host: "127.0.0.1", port: 5432 }

/** Where the suites expect PostgreSQL. */
export const address = `${server.host}:${server.port}`

/** Whether PostgreSQL accepts connections. */
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

/** The URL of a database of its own (named `<prefix>_…`), created now and dropped when the scope closes. */
export const freshDatabase = (prefix: string): Effect.Effect<string, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const admin = yield* PgClient.make({ url: Redacted.make(`postgres://postgres@${address}/postgres`) })
    const name = `${prefix}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
    yield* Effect.acquireRelease(
      admin.unsafe(`CREATE DATABASE ${name}`),
      () => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.orDie)
    )
    return `postgres://postgres@${address}/${name}`
  }).pipe(Effect.provide(Reactivity.layer))

/**
 * Declares the suite `name` when PostgreSQL answers; otherwise a failing test under `CI=true`, and the
 * suite's own tests reported as skipped elsewhere (so a machine without PostgreSQL still runs everything else).
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
    describe.skip(`${name} (PostgreSQL unreachable here; runs in CI)`, tests)
  }
}
