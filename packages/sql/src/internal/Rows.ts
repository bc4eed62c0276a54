/**
 * Column encodings shared by every repository. Times are epoch milliseconds (they sort the same in both
 * dialects), booleans are 0/1 (better-sqlite3 binds neither `Date` nor `boolean`), and PostgreSQL hands
 * BIGINT and COUNT back as strings, so every integer read goes through `int`.
 */
import { Array, Effect, FiberRef } from "effect"

/** An integer column as a number, whichever driver read it. */
export const int = (value: number | string | bigint): number => Number(value)

/** An integer column that may be NULL. */
export const intOrNull = (value: number | string | bigint | null): number | null =>
  value === null ? null : Number(value)

/** A time as stored: epoch milliseconds. */
export const millis = (date: Date): number => date.getTime()

/** A stored time as a `Date`. */
export const date = (value: number | string | bigint): Date => new Date(Number(value))

/** A boolean as stored. */
export const flag = (value: boolean): number => (value ? 1 : 0)

/** A stored boolean. */
export const isSet = (value: number | string): boolean => Number(value) === 1

/**
 * A repository call: storage failures are defects (the ports promise no failures; a broken database is
 * not something a caller can handle), and each call gets a span named for the port method (without the
 * call-site stack trace, which would cost more than the query on SQLite) — when tracing is on: even a
 * disabled span costs several microseconds, more than many SQLite queries.
 */
export const call = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, never, R> =>
  Effect.flatMap(FiberRef.get(FiberRef.currentTracerEnabled), (tracing) =>
    tracing
      ? effect.pipe(Effect.orDie, Effect.withSpan(name, { captureStackTrace: false }))
      : Effect.orDie(effect))

/** The bound parameters one statement may carry: SQLite allows 32,766, PostgreSQL 65,535. */
const maxParameters = 30_000

/**
 * Runs a set-based statement over `items` in as few chunks as the parameter limit allows (each item binding
 * `parametersPerItem`), so a statement never outgrows the driver whatever a batch holds; results are
 * concatenated in order. Nothing runs for no items.
 */
export const chunked = <A, B, E, R>(
  items: ReadonlyArray<A>,
  parametersPerItem: number,
  statement: (chunk: Array.NonEmptyReadonlyArray<A>) => Effect.Effect<ReadonlyArray<B>, E, R>
): Effect.Effect<ReadonlyArray<B>, E, R> => {
  if (!Array.isNonEmptyReadonlyArray(items)) return Effect.succeed([])
  const size = Math.max(1, Math.floor(maxParameters / parametersPerItem))
  return items.length <= size
    ? statement(items)
    : Effect.map(Effect.forEach(Array.chunksOf(items, size), statement), (parts) => parts.flat())
}

/** `chunked` for statements whose rows are not read: writes in as few chunks as the limit allows. */
export const chunkedWrite = <A, E, R>(
  items: ReadonlyArray<A>,
  parametersPerItem: number,
  statement: (chunk: Array.NonEmptyReadonlyArray<A>) => Effect.Effect<unknown, E, R>
): Effect.Effect<void, E, R> =>
  Effect.asVoid(chunked(items, parametersPerItem, (chunk) => Effect.as(statement(chunk), [])))
