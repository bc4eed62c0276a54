/**
 * The few places SQLite and PostgreSQL differ, named and kept together: column types, row locks, and the
 * statements that claim leased jobs. Everything else is written once in the SQL both dialects share.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { Fragment } from "@effect/sql/Statement"
import { Effect } from "effect"

/** A store's dialect-specific SQL. */
export interface Dialect {
  /** The column type of a UUID: PostgreSQL's `uuid` compares bytewise, so time-ordered ids sort by time. */
  readonly uuid: string
  /** A primary key that increases with every insert (orders deliveries and held reports). */
  readonly serialPrimaryKey: string
  /** Appended to a `SELECT` that reads a row for an update in the current transaction. */
  readonly forUpdate: Fragment
  /**
   * Holds a lock named by `key` until the current transaction ends. SQLite needs none: its transactions
   * run one at a time.
   */
  readonly transactionLock: (key: string) => Effect.Effect<unknown, SqlError>
  /** `transactionLock` of each key, taken in sorted order so that takers of overlapping sets never deadlock. */
  readonly transactionLocks: (keys: ReadonlyArray<string>) => Effect.Effect<unknown, SqlError>
  /**
   * Leases due rows: `due` selects the `key` column of at most n due rows of `table` (aliased `alias`),
   * `set` is the lease and `returning` the columns returned. Claimers never get the same row.
   */
  readonly claim: <A extends object>(options: ClaimOptions) => Effect.Effect<ReadonlyArray<A>, SqlError>
}

/** What a claim statement is made of. */
export interface ClaimOptions {
  readonly table: string
  readonly alias: string
  readonly key: string
  readonly due: Fragment
  readonly set: Fragment
  readonly returning: Fragment
}

/**
 * SQLite: one connection, one writer, so a single `UPDATE … WHERE key IN (due) RETURNING` is atomic. An idle
 * worker polls often and an `UPDATE` takes the write lock even when it changes nothing, so a read-only look
 * comes first (the `UPDATE` re-evaluates `due` itself, so a row taken in between is never leased twice).
 */
export const sqlite = (sql: SqlClient): Dialect => ({
  uuid: "TEXT",
  serialPrimaryKey: "INTEGER PRIMARY KEY AUTOINCREMENT",
  forUpdate: sql.literal(""),
  transactionLock: () => Effect.void,
  transactionLocks: () => Effect.void,
  claim: <A extends object>({ due, key, returning, set, table }: ClaimOptions) =>
    Effect.flatMap(
      sql<{ readonly due: number }>`SELECT EXISTS (${due}) AS due`,
      ([row]) =>
        row?.due === 1
          ? sql<A>`UPDATE ${sql(table)} SET ${set} WHERE ${sql(key)} IN (${due}) RETURNING ${returning}`
          : Effect.succeed([])
    )
})

/** PostgreSQL: concurrent claimers skip each other's locked rows (`FOR UPDATE SKIP LOCKED`). */
export const pg = (sql: SqlClient): Dialect => ({
  uuid: "UUID",
  serialPrimaryKey: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
  forUpdate: sql.literal(" FOR UPDATE"),
  transactionLock: (key) => sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`,
  transactionLocks: (keys) =>
    Effect.forEach(
      [...new Set(keys)].sort(),
      (key) => sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`,
      { discard: true }
    ),
  // MATERIALIZED: the locking subquery runs exactly once, so it never leases more than n rows.
  claim: <A extends object>({ alias, due, key, returning, set, table }: ClaimOptions) =>
    sql<A>`WITH due AS MATERIALIZED (${due} FOR UPDATE OF ${sql(alias)} SKIP LOCKED)
      UPDATE ${sql(table)} SET ${set} WHERE ${sql(key)} IN (SELECT ${sql(key)} FROM due) RETURNING ${returning}`
})

/** The dialect of a client. */
export const of = (sql: SqlClient): Dialect =>
  sql.onDialectOrElse({ pg: () => pg(sql), orElse: () => sqlite(sql) })
