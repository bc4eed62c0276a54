/**
 * The embedded store: one SQLite file (or `:memory:`) with every storage port, migrated when the layer
 * is built. better-sqlite3 keeps one connection behind a semaphore, so transactions are serial and must
 * stay short; job wake-ups stay in this process.
 */
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import type { MigrationError } from "@effect/sql/Migrator"
import type { Storage } from "@sent/core"
import { Config, type ConfigError, Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Checkpointer from "./internal/Checkpointer.js"
import * as Migrations from "./Migrations.js"
import * as Signals from "./Signals.js"
import * as SqlStorage from "./SqlStorage.js"

/** How often the worker thread checkpoints the WAL. */
const checkpointIntervalMillis = 100

/** Where the database lives. */
export interface Options {
  /** A file path, or `:memory:` for a private in-memory database (tests). */
  readonly filename: string
}

/** What building a store can fail with. */
export type BuildError = SqlError | MigrationError | ConfigError.ConfigError

// WAL lets readers of other processes work beside the writer; NORMAL sync is durable across crashes of
// the process in WAL mode; the busy timeout makes a second process wait for the write lock, not fail.
// Checkpoints run in a worker thread (`internal/Checkpointer.ts`), not in the writer's commits.
const connect = (options: Options) =>
  Layer.scopedDiscard(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`PRAGMA busy_timeout = 5000`
      yield* sql`PRAGMA synchronous = NORMAL`
      yield* sql`PRAGMA foreign_keys = ON`
      yield* Migrations.run
      if (options.filename !== ":memory:") {
        yield* sql`PRAGMA wal_autocheckpoint = ${sql.literal(String(Checkpointer.backstopPages))}`
        yield* Checkpointer.start(options.filename, checkpointIntervalMillis)
      }
    })
  ).pipe(Layer.provideMerge(SqliteClient.layer({ filename: options.filename })))

/** Every storage port and the `SqlClient`, over the SQLite database `filename`. */
export const layer = (options: Options): Layer.Layer<Storage.Storage | SqlClient.SqlClient, BuildError> =>
  Layer.mergeAll(SqlStorage.layer, Signals.layerInProcess).pipe(Layer.provideMerge(connect(options)))

/** `layer` over the file named by `SENT_DB` (default `./data/sent.db`), creating its directory. */
export const layerConfig: Layer.Layer<Storage.Storage | SqlClient.SqlClient, BuildError> = Layer.unwrapEffect(
  Effect.gen(function*() {
    const filename = yield* Config.string("SENT_DB").pipe(Config.withDefault("./data/sent.db"))
    if (filename !== ":memory:") {
      yield* Effect.try({
        try: () => fs.mkdirSync(path.dirname(filename), { recursive: true }),
        catch: (cause) => new SqlError({ cause, message: `Cannot create the directory of ${filename}` })
      })
    }
    return layer({ filename })
  })
)
