/**
 * The message lifecycle and its order-independent state machine.
 *
 * Providers report at least once and out of order (Meta may send `delivered` after `failed`, and skips
 * `delivered` when a message is read at once; Twilio's callbacks race). So statuses are totally ranked,
 * `queued < sent < failed < delivered < read`, and a report applies only when it ranks above the current
 * status: the final status is the maximum of every report seen, whatever their order or repetition.
 * Evidence of delivery beats a failure report; a failure beats "sent".
 */
import { Schema } from "effect"
import { Channel } from "./Channel.js"

/** `queued`, `sent`, `delivered`, `read` (WhatsApp only) or `failed`. */
export const MessageStatus = Schema.Literal("queued", "sent", "delivered", "read", "failed")
export type MessageStatus = typeof MessageStatus.Type

/** A status a provider can report (everything after `queued`). */
export const ReportedStatus = Schema.Literal("sent", "delivered", "read", "failed")
export type ReportedStatus = typeof ReportedStatus.Type

const ranks: Record<MessageStatus, number> = { queued: 0, sent: 1, failed: 2, delivered: 3, read: 4 }

/** The rank of a status in the total order above. */
export const rank = (status: MessageStatus): number => ranks[status]

/** Why a message failed; `permanent` tells whether retrying the same message could help. */
export const MessageError = Schema.Struct({
  code: Schema.String,
  message: Schema.String,
  permanent: Schema.Boolean
}).annotations({ identifier: "MessageError" })
export type MessageError = typeof MessageError.Type

/** One applied status, with the channel it happened on. */
export const StatusHistoryEntry = Schema.Struct({
  status: MessageStatus,
  timestamp: Schema.Date,
  channel: Schema.optional(Channel)
}).annotations({ identifier: "StatusHistoryEntry" })
export type StatusHistoryEntry = typeof StatusHistoryEntry.Type

/** A provider's report about a message (from a callback, the simulator, or the send's own response). */
export interface StatusReport {
  readonly status: ReportedStatus
  /** When the provider says it happened. */
  readonly timestamp: Date
  readonly channelResponse?: Record<string, unknown> | undefined
  /** Present on `failed`; a failure without one gets a generic error. */
  readonly error?: MessageError | undefined
}

/** The part of a message the state machine moves. */
export interface Lifecycle {
  readonly channel: Channel
  readonly status: MessageStatus
  readonly statusHistory: ReadonlyArray<StatusHistoryEntry>
  readonly channelResponse: Record<string, unknown> | null
  readonly error?: MessageError | undefined
}

/** The error a `failed` report without details gets. */
export const unknownFailure: MessageError = {
  code: "UNKNOWN",
  message: "The provider reported a failure without details",
  permanent: true
}

/** Whether a report would change the lifecycle: it outranks the status, and `read` only counts on WhatsApp. */
export const advances = (lifecycle: Lifecycle, report: StatusReport): boolean =>
  rank(report.status) > rank(lifecycle.status) && (report.status !== "read" || lifecycle.channel === "whatsapp")

/** Whether no report can ever change this lifecycle again. */
export const isTerminal = (lifecycle: Lifecycle): boolean =>
  lifecycle.status === "read" || (lifecycle.status === "delivered" && lifecycle.channel === "sms")

/**
 * Applies a report. A report that does not advance returns the lifecycle unchanged (the same object).
 * The history entry's time is the report's, but never earlier than the entry before it, so the history
 * stays chronological even when a provider's clocks disagree.
 */
export const apply = <L extends Lifecycle>(lifecycle: L, report: StatusReport): L => {
  if (!advances(lifecycle, report)) return lifecycle
  const last = lifecycle.statusHistory[lifecycle.statusHistory.length - 1]
  const timestamp =
    last !== undefined && last.timestamp.getTime() > report.timestamp.getTime() ? last.timestamp : report.timestamp
  const { error: _previous, ...rest } = lifecycle
  const next = {
    ...rest,
    status: report.status,
    statusHistory: [...lifecycle.statusHistory, { status: report.status, timestamp, channel: lifecycle.channel }],
    channelResponse: report.channelResponse ?? lifecycle.channelResponse
  }
  return (report.status === "failed" ? { ...next, error: report.error ?? unknownFailure } : next) as unknown as L
}

/** A fresh lifecycle: `queued` on a channel at a time. */
export const queued = (channel: Channel, at: Date): Lifecycle => ({
  channel,
  status: "queued",
  statusHistory: [{ status: "queued", timestamp: at, channel }],
  channelResponse: null
})
