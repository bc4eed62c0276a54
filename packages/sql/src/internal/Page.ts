/**
 * Keyset pagination over time-ordered ids: newest first (`ORDER BY id DESC`), the cursor an opaque
 * encoding of the last id returned, the next page `id < cursor`. Inserts between pages never make a page
 * skip or repeat an item, which offsets would.
 */
import type { Storage } from "@sent/core"
import { Effect, Option } from "effect"

const PREFIX = "v1:"

/** The opaque cursor after `key`. */
export const encodeCursor = (key: string): string => Buffer.from(PREFIX + key, "utf8").toString("base64url")

/** The key a cursor stands for; `None` when it is not one of ours. */
export const decodeCursor = (cursor: string, isKey: (key: string) => boolean): Option.Option<string> => {
  const text = Buffer.from(cursor, "base64url").toString("utf8")
  if (!text.startsWith(PREFIX)) return Option.none()
  const key = text.slice(PREFIX.length)
  return isKey(key) ? Option.some(key) : Option.none()
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether a key is a UUID (every id column). */
export const isUuid = (key: string): boolean => uuid.test(key)

/** Whether a key is a non-negative integer (serial keys). */
export const isSerial = (key: string): boolean => /^\d{1,15}$/.test(key)

/** The rows to fetch for a page: one more than the limit tells whether another page follows. */
export const fetchSize = (page: Storage.PageRequest): number => Math.max(1, Math.floor(page.limit)) + 1

/** A page from `fetchSize(page)` rows fetched in order, keyed by `keyOf`. */
export const toPage = <Row, A>(
  rows: ReadonlyArray<Row>,
  page: Storage.PageRequest,
  keyOf: (row: Row) => string,
  decode: (row: Row) => A
): Storage.Page<A> => {
  const limit = fetchSize(page) - 1
  const taken = rows.length > limit ? rows.slice(0, limit) : rows
  return {
    data: taken.map(decode),
    nextCursor: rows.length > limit ? encodeCursor(keyOf(taken[taken.length - 1]!)) : null
  }
}

/** The empty last page, for a cursor that is not one of ours. */
export const empty: Storage.Page<never> = { data: [], nextCursor: null }

/**
 * Runs the query of one page: `query` gets the key to continue after (`null` on the first page). A
 * cursor that is not one of ours gives the empty last page.
 */
export const paginate = <A, E, R>(
  page: Storage.PageRequest,
  isKey: (key: string) => boolean,
  query: (after: string | null) => Effect.Effect<Storage.Page<A>, E, R>
): Effect.Effect<Storage.Page<A>, E, R> => {
  if (page.cursor === undefined) return query(null)
  return Option.match(decodeCursor(page.cursor, isKey), { onNone: () => Effect.succeed(empty), onSome: query })
}
