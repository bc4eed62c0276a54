/** Customers and their hashed API keys, over `SqlClient`. */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Customer, Ids } from "@sent/core"
import { Storage } from "@sent/core"
import { Array, Effect, Layer, Option } from "effect"
import { call, date, millis } from "./internal/Rows.js"

interface CustomerRow {
  readonly id: string
  readonly name: string
  readonly created_at: number | string
}

const toCustomer = (row: CustomerRow): Customer.Customer => ({
  id: row.id as Ids.CustomerId,
  name: row.name,
  createdAt: date(row.created_at)
})

/** The `Customers` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  return Storage.Customers.of({
    insert: (customer, apiKeyHash) =>
      call(
        "Customers.insert",
        sql.withTransaction(
          Effect.zipRight(
            sql`INSERT INTO customers (id, name, balance, created_at)
              VALUES (${customer.id}, ${customer.name}, 0, ${millis(customer.createdAt)})`,
            sql`INSERT INTO api_keys (hash, customer_id) VALUES (${apiKeyHash}, ${customer.id})`
          )
        )
      ),
    addApiKey: (id, apiKeyHash) =>
      call(
        "Customers.addApiKey",
        Effect.map(
          sql`INSERT INTO api_keys (hash, customer_id) SELECT ${apiKeyHash}, id FROM customers WHERE id = ${id}
            RETURNING hash`,
          Array.isNonEmptyReadonlyArray
        )
      ),
    findByApiKeyHash: (apiKeyHash) =>
      call(
        "Customers.findByApiKeyHash",
        Effect.map(
          sql<CustomerRow>`SELECT c.id, c.name, c.created_at FROM api_keys k JOIN customers c ON c.id = k.customer_id
            WHERE k.hash = ${apiKeyHash}`,
          (rows) => Option.map(Array.head(rows), toCustomer)
        )
      ),
    find: (id) =>
      call(
        "Customers.find",
        Effect.map(
          sql<CustomerRow>`SELECT id, name, created_at FROM customers WHERE id = ${id}`,
          (rows) => Option.map(Array.head(rows), toCustomer)
        )
      ),
    any: call(
      "Customers.any",
      Effect.map(sql`SELECT 1 AS one FROM customers LIMIT 1`, Array.isNonEmptyReadonlyArray)
    )
  })
})

/** The `Customers` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.Customers, make)
