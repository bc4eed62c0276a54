/** Idempotency keys of sends and the responses they recorded, over `SqlClient`. */
import * as SqlClient from "@effect/sql/SqlClient"
import { Message, Storage } from "@sent/core"
import { Array, Effect, Layer, Option, Schema } from "effect"
import { call, millis } from "./internal/Rows.js"

const MessageJson = Schema.parseJson(Message.Message)
const encodeMessage = Schema.encodeSync(MessageJson)
const decodeMessage = Schema.decodeSync(MessageJson)

/** The `IdempotencyKeys` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  return Storage.IdempotencyKeys.of({
    find: (customerId, key) =>
      call(
        "IdempotencyKeys.find",
        Effect.map(
          sql<{ request_hash: string; message: string }>`SELECT request_hash, message FROM idempotency_keys
            WHERE customer_id = ${customerId} AND key = ${key}`,
          (rows) =>
            Option.map(Array.head(rows), (row) => ({ requestHash: row.request_hash, message: decodeMessage(row.message) }))
        )
      ),
    // The primary key decides a race between two sends with the same key: the second inserts nothing.
    insert: (customerId, key, response, at) =>
      call(
        "IdempotencyKeys.insert",
        Effect.map(
          sql`INSERT INTO idempotency_keys (customer_id, key, request_hash, message, created_at)
            VALUES (${customerId}, ${key}, ${response.requestHash}, ${encodeMessage(response.message)}, ${millis(at)})
            ON CONFLICT (customer_id, key) DO NOTHING RETURNING key`,
          Array.isNonEmptyReadonlyArray
        )
      )
  })
})

/** The `IdempotencyKeys` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.IdempotencyKeys, make)
