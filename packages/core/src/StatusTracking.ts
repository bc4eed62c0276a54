/**
 * Status tracking: every change to a message's lifecycle goes through here, in one transaction with its
 * ledger entries and one `message.status.updated` event per status change (the webhook outbox).
 *
 * Reports arrive by provider id. One that beats the dispatcher's own write (the provider's callback raced
 * it) is held and applied once the id is known, so no report is lost.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { GroupCommit } from "./GroupCommit.js"
import * as Ids from "./Ids.js"
import { now } from "./internal/time.js"
import { type MessageRecord, toMessage } from "./Message.js"
import type { MessageError } from "./MessageStatus.js"
import { type Accepted, type InboundReport, InboundReports } from "./Provider.js"
import * as Settlement from "./Settlement.js"
import { HeldReports, JobSignals, Ledger, Messages, Webhooks } from "./Storage.js"
import { MessageStatusUpdated } from "./Webhook.js"

const encodeEvent = Schema.encodeSync(MessageStatusUpdated)

/**
 * One step of a change: the successive states a message goes through (each with its balance changes),
 * or none to leave it as it is.
 */
export type Step<E> = (record: MessageRecord, at: Date) => Effect.Effect<ReadonlyArray<Settlement.Settled>, E>

/** Applies lifecycle changes to stored messages. */
export class StatusTracking extends Context.Tag("@sent/core/StatusTracking")<
  StatusTracking,
  {
    /** Applies a provider's report (the inbound path of callbacks and the simulator). */
    readonly ingest: (inbound: InboundReport) => Effect.Effect<void>
    /**
     * A provider accepted the message: record its id, mark it `sent`, apply any held reports.
     * Runs in the caller's transaction; signal the "webhooks" queue after it commits.
     */
    readonly accepted: (messageId: Ids.MessageId, provider: string, accepted: Accepted) => Effect.Effect<Option.Option<MessageRecord>>
    /**
     * No provider will take the message: `failed`, refunded.
     * Runs in the caller's transaction; signal the "webhooks" queue after it commits.
     */
    readonly failedBeforeAcceptance: (messageId: Ids.MessageId, error: MessageError) => Effect.Effect<Option.Option<MessageRecord>>
    /**
     * Runs a step on a message in the current transaction: reads it for update, saves its last state,
     * records every balance change, and emits an event for every status change. Returns the message
     * after the step, or `None` when there is no such message.
     */
    readonly change: <E>(messageId: Ids.MessageId, step: Step<E>) => Effect.Effect<Option.Option<MessageRecord>, E>
  }
>() {
  /** Status tracking over the storage ports. */
  static readonly layer = Layer.effect(
    StatusTracking,
    Effect.gen(function*() {
      const groupCommit = yield* GroupCommit
      const messages = yield* Messages
      const ledger = yield* Ledger
      const held = yield* HeldReports
      const webhooks = yield* Webhooks
      const signals = yield* JobSignals

      const emit = (state: MessageRecord, at: Date) =>
        Effect.flatMap(Ids.make(Ids.EventId), (id) =>
          webhooks.emit({
            id,
            customerId: state.customerId,
            type: "message.status.updated",
            messageId: state.id,
            payload: JSON.stringify(encodeEvent({ id, type: "message.status.updated", timestamp: at, data: toMessage(state) })),
            createdAt: at
          }))

      const change = <E>(messageId: Ids.MessageId, step: Step<E>): Effect.Effect<Option.Option<MessageRecord>, E> =>
        Effect.gen(function*() {
          const found = yield* messages.findForUpdate(messageId)
          if (Option.isNone(found)) return found
          const at = yield* now
          const states = yield* step(found.value, at)
          let previous = found.value
          for (const { balanceChanges, record: state } of states) {
            for (const { amount, reason } of balanceChanges) {
              const id = yield* Ids.make(Ids.LedgerEntryId)
              yield* ledger.append(state.customerId, { id, amount, reason, messageId: state.id, createdAt: at })
            }
            if (state.status !== previous.status) yield* emit(state, at)
            previous = state
          }
          if (previous !== found.value) yield* messages.save(previous)
          return Option.some(previous)
        })

      const reportStep = (inbound: InboundReport): Step<never> => (current, at) =>
        Effect.succeed([Settlement.applyReport(current, inbound.report, at, inbound.price)])

      return StatusTracking.of({
        ingest: (inbound) =>
          Effect.zipRight(
            groupCommit.run(Effect.gen(function*() {
              yield* held.lock(inbound.provider, inbound.providerMessageId)
              const id = yield* messages.findByProviderId(inbound.provider, inbound.providerMessageId)
              if (Option.isNone(id)) return yield* held.hold(inbound, yield* now)
              yield* change(id.value, reportStep(inbound))
            })),
            signals.signal("webhooks")
          ),
        accepted: (messageId, provider, accepted) =>
          change(messageId, (current, at) =>
            Effect.gen(function*() {
              if (current.providerMessageId !== null) return []
              yield* held.lock(provider, accepted.providerMessageId)
              const withId: MessageRecord = { ...current, provider, providerMessageId: accepted.providerMessageId }
              const states = [
                Settlement.applyReport(withId, { status: "sent", timestamp: at, channelResponse: accepted.channelResponse }, at, accepted.price)
              ]
              for (const inbound of yield* held.take(provider, accepted.providerMessageId)) {
                states.push(Settlement.applyReport(states[states.length - 1]!.record, inbound.report, at, inbound.price))
              }
              return states
            })),
        failedBeforeAcceptance: (messageId, error) =>
          change(messageId, (current, at) =>
            Effect.succeed(current.status === "queued" ? [Settlement.failBeforeAcceptance(current, error, at)] : [])),
        change
      })
    })
  )

  /** The `InboundReports` port, served by status tracking. */
  static readonly inboundReports = Layer.effect(
    InboundReports,
    Effect.map(StatusTracking, (tracking) => InboundReports.of({ ingest: tracking.ingest }))
  )
}
