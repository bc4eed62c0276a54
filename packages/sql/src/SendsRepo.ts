/**
 * The atomic write of a batch of sends, over `SqlClient`. The common send (a known contact, no idempotency
 * key) costs no statement of its own: the batch locks and reads its customers' balances once, decides in
 * order which charges they cover, then writes every debit, ledger entry, message and dispatch job with one
 * statement per table. Sends that create a contact or record an idempotency key do that work in their own
 * savepoint, so one that turns out to fail leaves nothing behind.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Ids, Message, type Money, Storage } from "@sent/core"
import { Effect, Layer } from "effect"
import * as Dialect from "./Dialect.js"
import { toRow } from "./MessagesRepo.js"
import { call, int, millis } from "./internal/Rows.js"

// Why a send with its own savepoint rolled it back.
class KeyTaken {
  readonly _tag = "KeyTaken"
}
class NotCovered {
  readonly _tag = "NotCovered"
}

/** The `Sends` port over the current `SqlClient`, the `Contacts` and the `IdempotencyKeys` ports. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const dialect = Dialect.of(sql)
  const contacts = yield* Storage.Contacts
  const keys = yield* Storage.IdempotencyKeys

  const commit = (batch: ReadonlyArray<Storage.SendCommit>) =>
    Effect.gen(function*() {
      if (batch.length === 0) return []
      const customerIds = [...new Set(batch.map((send) => send.record.customerId))]
      // Locked in id order, so batches of several processes never wait on each other in a cycle.
      const rows = yield* sql<{ id: string; balance: number | string }>`SELECT id, balance FROM customers
        WHERE ${sql.in("id", customerIds)} ORDER BY id${dialect.forUpdate}`
      const balances = new Map(rows.map((row) => [row.id, int(row.balance)]))
      const before = new Map(balances)
      const outcomes: Array<Storage.SendOutcome> = []
      const committed: Array<Storage.SendCommit> = []

      for (const send of batch) {
        const customerId = send.record.customerId
        const balance = balances.get(customerId) ?? 0
        const price = -send.charge.amount
        const covered = balance >= price
        let record = send.record
        if (send.newContact !== undefined || send.idempotency !== undefined) {
          // A repeat of a key is answered as a repeat, whatever the balance: the key is decided first.
          const created = yield* sql.withTransaction(Effect.gen(function*() {
            let stored = record
            if (send.newContact !== undefined) {
              const { contact } = yield* contacts.insertOrGet(customerId, send.newContact)
              stored = { ...stored, contact: { id: contact.id, phoneNumber: contact.phoneNumber } }
            }
            if (send.idempotency !== undefined) {
              const free = yield* keys.insert(customerId, send.idempotency.key, {
                requestHash: send.idempotency.requestHash,
                message: Message.toMessage(stored)
              }, stored.createdAt)
              if (!free) return yield* Effect.fail(new KeyTaken())
            }
            if (!covered) return yield* Effect.fail(new NotCovered())
            return stored
          })).pipe(Effect.either)
          if (created._tag === "Left") {
            if (created.left instanceof KeyTaken) {
              outcomes.push({ _tag: "KeyTaken" })
              continue
            }
            if (created.left instanceof NotCovered) {
              outcomes.push({ _tag: "InsufficientBalance", balance: balance as Money.Micros })
              continue
            }
            return yield* created.left
          }
          record = created.right
        } else if (!covered) {
          outcomes.push({ _tag: "InsufficientBalance", balance: balance as Money.Micros })
          continue
        }
        balances.set(customerId, balance - price)
        committed.push({ ...send, record })
        outcomes.push({ _tag: "Committed", record })
      }

      if (committed.length > 0) {
        for (const [customerId, balance] of balances) {
          if (balance !== before.get(customerId)) {
            yield* sql`UPDATE customers SET balance = ${balance} WHERE id = ${customerId}`
          }
        }
        yield* sql`INSERT INTO ledger_entries ${
          sql.insert(committed.map(({ charge, record }) => ({
            id: charge.id,
            customer_id: record.customerId,
            amount: charge.amount,
            reason: charge.reason,
            message_id: record.id,
            created_at: millis(charge.createdAt)
          })))
        }`
        yield* sql`INSERT INTO messages ${sql.insert(committed.map(({ record }) => toRow(record)))}`
        yield* sql`INSERT INTO dispatch_jobs ${
          sql.insert(committed.map(({ record }) => ({
            id: Ids.uuidv7(record.createdAt.getTime()),
            message_id: record.id,
            run_at: millis(record.createdAt),
            attempts: 0
          })))
        }`
      }
      return outcomes
    })

  return Storage.Sends.of({
    commit: (batch) => call("Sends.commit", sql.withTransaction(commit(batch)))
  })
})

/** The `Sends` port, given a `SqlClient` and the ports it builds on. */
export const layer = Layer.effect(Storage.Sends, make)
