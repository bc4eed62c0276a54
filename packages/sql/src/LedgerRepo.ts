/**
 * The balance and its ledger. The balance is a column of the customer row, changed only together with
 * the insert of the entry that explains it, in one transaction: `balance == sum(ledger)` always.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Customer, Ids } from "@sent/core"
import { Money, Storage } from "@sent/core"
import { Array, Effect, Layer, Option } from "effect"
import * as Page from "./internal/Page.js"
import { call, date, int, millis } from "./internal/Rows.js"

interface EntryRow {
  readonly id: string
  readonly amount: number | string
  readonly reason: Customer.LedgerReason
  readonly message_id: string | null
  readonly created_at: number | string
}

const toEntry = (row: EntryRow): Customer.LedgerEntry => ({
  id: row.id as Ids.LedgerEntryId,
  amount: Money.micros(int(row.amount)),
  reason: row.reason,
  ...(row.message_id !== null ? { messageId: row.message_id as Ids.MessageId } : {}),
  createdAt: date(row.created_at)
})

/** The `Ledger` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const insertEntry = (customerId: Ids.CustomerId, entry: Customer.LedgerEntry) =>
    sql`INSERT INTO ledger_entries (id, customer_id, amount, reason, message_id, created_at)
      VALUES (${entry.id}, ${customerId}, ${entry.amount}, ${entry.reason}, ${entry.messageId ?? null},
        ${millis(entry.createdAt)})`

  return Storage.Ledger.of({
    balance: (customerId) =>
      call(
        "Ledger.balance",
        Effect.map(
          sql<{ balance: number | string }>`SELECT balance FROM customers WHERE id = ${customerId}`,
          (rows) => Money.micros(Option.match(Array.head(rows), { onNone: () => 0, onSome: (row) => int(row.balance) }))
        )
      ),
    // One conditional UPDATE decides: concurrent debits serialise on the customer row, and a debit the
    // balance does not cover updates nothing.
    debitIfCovered: (customerId, entry) =>
      call(
        "Ledger.debitIfCovered",
        sql.withTransaction(
          Effect.gen(function*() {
            const updated = yield* sql`UPDATE customers SET balance = balance + ${entry.amount}
              WHERE id = ${customerId} AND balance + ${entry.amount} >= 0 RETURNING id`
            if (updated.length === 0) return false
            yield* insertEntry(customerId, entry)
            return true
          })
        )
      ),
    append: (customerId, entry) =>
      call(
        "Ledger.append",
        sql.withTransaction(
          Effect.gen(function*() {
            const [row] = yield* sql<{ balance: number | string }>`UPDATE customers
              SET balance = balance + ${entry.amount} WHERE id = ${customerId} RETURNING balance`
            if (row === undefined) return yield* Effect.dieMessage(`Ledger.append: no customer ${customerId}`)
            yield* insertEntry(customerId, entry)
            return Money.micros(int(row.balance))
          })
        )
      ),
    list: (customerId, page) =>
      call(
        "Ledger.list",
        Page.paginate(page, Page.isUuid, (after) =>
          Effect.map(
            sql<EntryRow>`SELECT id, amount, reason, message_id, created_at FROM ledger_entries
              WHERE customer_id = ${customerId} ${after === null ? sql`` : sql`AND id < ${after}`}
              ORDER BY id DESC LIMIT ${Page.fetchSize(page)}`,
            (rows) => Page.toPage(rows, page, (row) => row.id, toEntry)
          ))
      )
  })
})

/** The `Ledger` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.Ledger, make)
