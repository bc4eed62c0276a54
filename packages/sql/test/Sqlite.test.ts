import { assert, describe, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import { Storage } from "@sent/core"
import { Migrations, Sqlite } from "@sent/sql"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import * as Fixtures from "./fixtures.js"
import { storageContract } from "./StorageContract.js"

const directory = fs.mkdtempSync(path.join(os.tmpdir(), "sent-sql-"))
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }))

storageContract("Sqlite (file)", Sqlite.layer({ filename: path.join(directory, "contract.db") }))

describe("Sqlite", () => {
  it.effect("closing and reopening the file keeps everything", () =>
    Effect.gen(function*() {
      const filename = path.join(directory, "reopen.db")
      const written = yield* Effect.gen(function*() {
        const { customerId } = yield* Fixtures.customer
        const ledger = yield* Storage.Ledger
        yield* ledger.append(customerId, Fixtures.entry(42_000))
        const record = Fixtures.message(customerId)
        yield* (yield* Storage.Messages).insert(record)
        yield* (yield* Storage.DispatchJobs).enqueue(record.id, Fixtures.at())
        return { customerId, record }
      }).pipe(Effect.provide(Sqlite.layer({ filename })))

      yield* Effect.gen(function*() {
        assert.strictEqual(yield* (yield* Storage.Ledger).balance(written.customerId), 42_000)
        assert.deepStrictEqual(
          yield* (yield* Storage.Messages).find(written.customerId, written.record.id),
          Option.some(written.record)
        )
        const [job] = yield* (yield* Storage.DispatchJobs).claim("w", 10, 1_000, Fixtures.at())
        assert.strictEqual(job!.messageId, written.record.id)
      }).pipe(Effect.provide(Sqlite.layer({ filename })))
    }))

  it.effect("the connection runs in WAL mode with NORMAL sync, a busy timeout and foreign keys", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      assert.deepStrictEqual(yield* sql`PRAGMA journal_mode`, [{ journal_mode: "wal" }])
      assert.deepStrictEqual(yield* sql`PRAGMA synchronous`, [{ synchronous: 1 }])
      assert.deepStrictEqual(yield* sql`PRAGMA busy_timeout`, [{ timeout: 5000 }])
      assert.deepStrictEqual(yield* sql`PRAGMA foreign_keys`, [{ foreign_keys: 1 }])
      assert.deepStrictEqual(
        (yield* sql<{ migration_id: number; name: string }>`SELECT migration_id, name FROM sent_migrations ORDER BY migration_id`)
          .map((row) => [row.migration_id, row.name]),
        [[1, "schema"], [2, "default_rates"], [3, "webhook_retry_index"], [4, "drop_dispatch_lease_index"], [5, "lease_in_run_at"]]
      )
    }).pipe(Effect.provide(Sqlite.layer({ filename: path.join(directory, "pragmas.db") }))))

  it.effect("migration 5 moves the run_at of jobs leased the old way to the end of their lease", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const row = (id: string, runAt: number, lockedUntil: number | null) =>
        sql`INSERT INTO dispatch_jobs (id, message_id, run_at, attempts, locked_by, locked_until)
          VALUES (${id}, ${Fixtures.id()}, ${runAt}, 1, ${lockedUntil === null ? null : "old-worker"}, ${lockedUntil})`
      yield* row("leased", 1_000, 31_000)
      yield* row("retry-later", 90_000, null)
      yield* row("expired-long-ago", 50_000, 40_000)
      yield* Migrations.migrations["0005_lease_in_run_at"]!
      const runAt = (id: string) =>
        Effect.map(sql<{ run_at: number }>`SELECT run_at FROM dispatch_jobs WHERE id = ${id}`, (rows) => rows[0]!.run_at)
      assert.deepStrictEqual(
        [yield* runAt("leased"), yield* runAt("retry-later"), yield* runAt("expired-long-ago")],
        [31_000, 90_000, 50_000]
      )
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:" }))))

  it.live("a worker thread checkpoints the WAL into the database file while the writer only commits", () =>
    Effect.gen(function*() {
      const filename = path.join(directory, "checkpoints.db")
      const size = () => fs.statSync(filename).size
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        // The writer's own automatic checkpoint is only a backstop far above what this test writes.
        assert.deepStrictEqual(yield* sql`PRAGMA wal_autocheckpoint`, [{ wal_autocheckpoint: 16_384 }])
        yield* sql`CREATE TABLE filler (n INTEGER PRIMARY KEY, text TEXT NOT NULL)`
        const before = size()
        // ~8 MB through the WAL, in 80 commits: about 2,000 pages.
        for (let i = 0; i < 80; i++) {
          yield* sql.withTransaction(sql`INSERT INTO filler (text) SELECT ${"x".repeat(1_000)} FROM (
            WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 100) SELECT i FROM k)`)
        }
        yield* Effect.sleep("500 millis")
        assert.isAbove(size() - before, 7_000_000)
      }).pipe(Effect.provide(Sqlite.layer({ filename })))
    }))

  it.effect("an in-memory store works and migrates once per layer", () =>
    Effect.gen(function*() {
      assert.isFalse(yield* (yield* Storage.Customers).any)
      yield* Fixtures.customer
      assert.isTrue(yield* (yield* Storage.Customers).any)
    }).pipe(Effect.provide(Sqlite.layer({ filename: ":memory:" }))))

  it.effect("layerConfig creates the directory of SENT_DB", () =>
    Effect.gen(function*() {
      const filename = path.join(directory, "nested", "deeper", "sent.db")
      yield* Effect.flatMap(Storage.Customers, (customers) => customers.any).pipe(
        Effect.provide(
          Sqlite.layerConfig.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["SENT_DB", filename]])))))
        )
      )
      assert.isTrue(fs.existsSync(filename))
    }))
})
