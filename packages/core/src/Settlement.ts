/**
 * How a message's lifecycle moves its money. Pure: each function takes a stored message and returns the
 * next one with the signed balance changes to record in the same transaction.
 *
 * - The quote is debited at send time (`charged`).
 * - A failure before any provider accepted the message is refunded in full: `correctedPrice` 0.
 * - A failure after acceptance is charged (like Twilio's "undelivered"): `correctedPrice` = charged.
 * - Delivery fixes the price: the provider's price when it reported one, else what was charged.
 * - A fallback to SMS re-prices the message at the SMS quote.
 */
import type { Fallback, MessageRecord } from "./Message.js"
import * as MessageStatus from "./MessageStatus.js"
import { type Micros, micros } from "./Money.js"
import type { LedgerReason } from "./Customer.js"

/** A signed balance change caused by a message (credits positive). */
export interface BalanceChange {
  readonly amount: Micros
  readonly reason: LedgerReason
}

/** The next state of a message and the balance changes that go with it. */
export interface Settled {
  readonly record: MessageRecord
  readonly balanceChanges: ReadonlyArray<BalanceChange>
}

const unchanged = (record: MessageRecord): Settled => ({ record, balanceChanges: [] })

const withPrice = (record: MessageRecord, correctedPrice: Micros, updatedAt: Date): MessageRecord => ({
  ...record,
  pricing: { ...record.pricing, correctedPrice },
  updatedAt
})

/**
 * Applies a provider's status report. Returns the record unchanged (same object) when the report does not
 * advance the status. `providerPrice` is a final price the provider reported, if any.
 */
export const applyReport = (
  record: MessageRecord,
  report: MessageStatus.StatusReport,
  at: Date,
  providerPrice?: Micros | undefined
): Settled => {
  const next = MessageStatus.apply(record, report)
  if (next === record) return unchanged(record)
  const moved = { ...next, updatedAt: at }
  if (record.pricing.correctedPrice !== null) return unchanged(moved)
  if (next.status === "delivered" || next.status === "read") {
    const finalPrice = providerPrice ?? record.charged
    const correction = micros(record.charged - finalPrice)
    return {
      record: { ...withPrice(moved, finalPrice, at), charged: finalPrice },
      balanceChanges: correction === 0 ? [] : [{ amount: correction, reason: "price_correction" }]
    }
  }
  if (next.status === "failed" && record.providerMessageId !== null) {
    return unchanged(withPrice(moved, record.charged, at))
  }
  return unchanged(moved)
}

/** A failure before any provider accepted the message: `failed`, refunded in full. */
export const failBeforeAcceptance = (record: MessageRecord, error: MessageStatus.MessageError, at: Date): Settled => {
  const failed = MessageStatus.apply(record, { status: "failed", timestamp: at, error })
  const refund = record.charged
  return {
    record: { ...withPrice({ ...failed, updatedAt: at }, micros(0), at), charged: micros(0) },
    balanceChanges: refund === 0 ? [] : [{ amount: refund, reason: "message_refund" }]
  }
}

/**
 * Re-routes a message to SMS after WhatsApp refused the recipient: same id, same status, the channel,
 * history and `fallback` say what happened, and the charge moves to the SMS quote.
 *
 * The refusal comes either with the send (the message is still `queued`) or as a later `failed` report
 * about a message WhatsApp had accepted (it stays `sent`: statuses never go back, and `sent` is true — a
 * provider took it). Either way the WhatsApp provider id is dropped, so the message awaits an SMS send.
 */
export const fallBackToSms = (
  record: MessageRecord,
  input: { readonly reason: MessageStatus.MessageError; readonly smsPrice: Micros; readonly segments: number; readonly at: Date }
): Settled => {
  const fallback: Fallback = { from: record.channel, to: "sms", reason: input.reason, timestamp: input.at }
  const difference = micros(record.charged - input.smsPrice)
  return {
    record: {
      ...record,
      channel: "sms",
      segments: input.segments,
      fallback,
      charged: input.smsPrice,
      provider: null,
      providerMessageId: null,
      updatedAt: input.at
    },
    balanceChanges: difference === 0 ? [] : [{ amount: difference, reason: "price_correction" }]
  }
}
