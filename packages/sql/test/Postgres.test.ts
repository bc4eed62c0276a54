import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { assert, describe, expect, it } from "@effect/vitest"
import { Storage } from "@sent/core"
import { Migrations, Postgres } from "@sent/sql"
import { Array, Context, Duration, Effect, Fiber, Layer, Option, Redacted, type Scope } from "effect"
import * as net from "node:net"
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

/** The URL of a database of its own, created now and dropped when the scope closes. */
const freshDatabase: Effect.Effect<string, unknown, Scope.Scope> = Effect.gen(function*() {
  const admin = yield* PgClient.make({ url: Redacted.make(adminUrl) })
  const name = `sent_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  yield* Effect.acquireRelease(
    admin.unsafe(`CREATE DATABASE ${name}`),
    () => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.orDie)
  )
  return `postgres://postgres@${server.host}:${server.port}/${name}`
}).pipe(Effect.provide(Reactivity.layer))

/** A store built in the current scope, as a context to provide. */
const store = (url: string) => Layer.build(Postgres.layer({ url }))

if (reachable) {
  storageContract("Postgres", Layer.unwrapScoped(Effect.map(freshDatabase, (url) => Postgres.layer({ url }))))

  describe("Postgres", () => {
    it.scoped("job signals cross processes, and only once their transaction commits", () =>
      Effect.gen(function*() {
        const url = yield* freshDatabase
        const producer = yield* store(url)
        const consumer = yield* store(url)
        const signals = (context: Context.Context<Storage.Storage | SqlClient.SqlClient>) =>
          Context.get(context, Storage.JobSignals)

        const woken = yield* Effect.fork(Effect.timed(signals(consumer).wait("webhooks", 20_000)))
        yield* Effect.sleep("100 millis")
        yield* signals(producer).signal("webhooks")
        assert.isBelow(Duration.toMillis((yield* Fiber.join(woken))[0]), 10_000)

        // Inside a transaction the notification waits for the commit, and a rollback drops it.
        const tx = Context.get(producer, Storage.Transactor)
        const waiting = yield* Effect.fork(signals(consumer).wait("dispatch", 1_500).pipe(Effect.timed))
        yield* Effect.sleep("100 millis")
        yield* tx.withTransaction(Effect.zipRight(signals(producer).signal("dispatch"), Effect.fail("rolled back")))
          .pipe(Effect.ignore)
        assert.isAtLeast(Duration.toMillis((yield* Fiber.join(waiting))[0]), 1_400)
        const committed = yield* Effect.fork(signals(consumer).wait("dispatch", 20_000).pipe(Effect.timed))
        yield* Effect.sleep("100 millis")
        yield* tx.withTransaction(Effect.zipRight(signals(producer).signal("dispatch"), Effect.sleep("300 millis")))
        assert.isBelow(Duration.toMillis((yield* Fiber.join(committed))[0]), 10_000)
      }), 60_000)

    it.scoped("processes starting together migrate a fresh database once", () =>
      Effect.gen(function*() {
        const url = yield* freshDatabase
        const clients = yield* Effect.all(
          Array.makeBy(4, () => PgClient.make({ url: Redacted.make(url) })),
          { concurrency: "unbounded" }
        ).pipe(Effect.provide(Reactivity.layer))
        const ran = yield* Effect.all(
          clients.map((client) => Effect.provideService(Migrations.run, SqlClient.SqlClient, client)),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(ran.map((r) => r.length).sort(), [0, 0, 0, 5])
        const rates = yield* Effect.provideService(
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: string }>`SELECT COUNT(*) AS n FROM rates`),
          SqlClient.SqlClient,
          clients[0]!
        )
        assert.strictEqual(Number(rates[0]!.n), 2)
      }), 60_000)

    it.scoped("two stores on one database never claim the same dispatch job", () =>
      Effect.gen(function*() {
        const url = yield* freshDatabase
        const [a, b] = [yield* store(url), yield* store(url)]
        const jobsOf = (context: Context.Context<Storage.Storage | SqlClient.SqlClient>) =>
          Context.get(context, Storage.DispatchJobs)
        const now = new Date()
        for (let i = 0; i < 200; i++) yield* jobsOf(a).enqueue(crypto.randomUUID() as never, now)
        const claimed = (yield* Effect.all(
          Array.makeBy(10, (i) => jobsOf(i % 2 === 0 ? a : b).claim(`w${i}`, 25, 60_000, now)),
          { concurrency: "unbounded" }
        )).flat()
        assert.strictEqual(claimed.length, 200)
        assert.strictEqual(new Set(claimed.map((j) => j.id)).size, 200)
        assert.isTrue(Option.isNone(Option.filter(yield* jobsOf(b).nextRunAt, (at) => at <= now)))
      }), 60_000)
  })
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
