/** Customers (the tenants), their API keys and their balance ledger. */
import { Schema } from "effect"
import { CustomerId, LedgerEntryId, MessageId } from "./Ids.js"
import { Amount, Currency } from "./Money.js"

/** A customer account. */
export const Customer = Schema.Struct({
  id: CustomerId,
  name: Schema.String,
  createdAt: Schema.Date
}).annotations({ identifier: "Customer" })
export type Customer = typeof Customer.Type

/** A customer's balance. */
export const Balance = Schema.Struct({ balance: Amount, currency: Currency }).annotations({ identifier: "Balance" })
export type Balance = typeof Balance.Type

/** Why a balance changed. */
export const LedgerReason = Schema.Literal("top_up", "message_charge", "message_refund", "price_correction")
export type LedgerReason = typeof LedgerReason.Type

/** One signed balance change (credits positive, debits negative); the balance is their sum. */
export const LedgerEntry = Schema.Struct({
  id: LedgerEntryId,
  amount: Amount,
  reason: LedgerReason,
  messageId: Schema.optional(MessageId),
  createdAt: Schema.Date
}).annotations({ identifier: "LedgerEntry" })
export type LedgerEntry = typeof LedgerEntry.Type
