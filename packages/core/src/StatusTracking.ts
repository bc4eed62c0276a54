/**
 * Status tracking: every change to a message's lifecycle goes through here, in one transaction with its
 * ledger entries and one `message.status.updated` event per status change (the webhook outbox).
 *
 * Reports arrive by provider id. One that beats the dispatcher's own write (the provider's callback raced
 * it) is held and applied once the id is known, so no report is lost.
 *
 * Meta usually tells that a recipient has no WhatsApp (131026) not by refusing the send but by a later
 * `failed` report. For an automatically chosen WhatsApp message that report re-routes it to SMS exactly as a
 * refused send does (same id, `fallback` recorded, the contact loses WhatsApp, the SMS quote charged, a
 * new dispatch job), instead of failing it. The message stays `sent` — statuses never go back, and the
 * history keeps `queued`/`sent` on WhatsApp — and the SMS leg's own `sent` adds no entry (each status is
 * applied once); its `delivered` is recorded on SMS. No event is emitted for the re-route itself (it is
 * no status change); the next one carries `channel: "sms"` and `fallback`. Reports that still arrive
 * about the abandoned WhatsApp id no longer match the message and stay held.
 */
import { Context, Effect, FiberRef, Layer, Option, Schema } from "effect"
import * as ChannelSelection from "./ChannelSelection.js"
import { dropWhatsApp } from "./ContactBook.js"
import { GroupCommit } from "./GroupCommit.js"
import * as Ids from "./Ids.js"
import { now } from "./internal/time.js"
import { awaitsSend, type MessageRecord, toMessage } from "./Message.js"
import * as MessageStatus from "./MessageStatus.js"
import { micros } from "./Money.js"
import { type Accepted, type InboundReport, InboundReports } from "./Provider.js"
import * as RateCard from "./RateCard.js"
import * as Settlement from "./Settlement.js"
import * as SmsEncoding from "./SmsEncoding.js"
import { Contacts, DispatchJobs, HeldReports, JobSignals, Ledger, Messages, Rates, Webhooks } from "./Storage.js"
import { MessageStatusUpdated } from "./Webhook.js"

const encodeEvent = Schema.encodeSync(MessageStatusUpdated)

// The webhook deliveries a unit of changes queued, so its committer wakes the dispatcher only if needed.
const queuedDeliveries = FiberRef.unsafeMake(0)

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
     * Commits a unit of lifecycle changes (`accepted`, `failedBeforeAcceptance`, `change`...) in a
     * transaction it may share with other units (`GroupCommit`), then wakes the webhook dispatcher if the
     * unit queued deliveries.
     */
    readonly commit: <A>(unit: Effect.Effect<A>) => Effect.Effect<A>
    /**
     * A provider accepted the message: record its id, mark it `sent`, apply any held reports.
     * Runs in the caller's transaction (see `commit`).
     */
    readonly accepted: (messageId: Ids.MessageId, provider: string, accepted: Accepted) => Effect.Effect<Option.Option<MessageRecord>>
    /**
     * No provider will take the message: `failed`, refunded.
     * Runs in the caller's transaction (see `commit`).
     */
    readonly failedBeforeAcceptance: (messageId: Ids.MessageId, error: MessageStatus.MessageError) => Effect.Effect<Option.Option<MessageRecord>>
    /**
     * A step re-routing a WhatsApp message to SMS at the SMS quote. When the quote costs more than was
     * charged, the difference is debited only if the balance covers it; otherwise the step changes nothing.
     * The caller decides whether the message may fall back (`ChannelSelection.shouldFallBack`).
     */
    readonly fallBackToSms: (reason: MessageStatus.MessageError) => Step<never>
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
      const rates = yield* Rates
      const contacts = yield* Contacts
      const jobs = yield* DispatchJobs

      const emit = (state: MessageRecord, at: Date) =>
        Effect.flatMap(Ids.make(Ids.EventId), (id) =>
          Effect.flatMap(webhooks.emit({
            id,
            customerId: state.customerId,
            type: "message.status.updated",
            messageId: state.id,
            // Encoded only if an endpoint wants the event: most status changes of a busy store have none.
            get payload() {
              return JSON.stringify(encodeEvent({ id, type: "message.status.updated", timestamp: at, data: toMessage(state) }))
            },
            createdAt: at
          }), (queued) => FiberRef.update(queuedDeliveries, (n) => n + queued)))

      const commit = <A>(unit: Effect.Effect<A>): Effect.Effect<A> =>
        Effect.flatMap(
          groupCommit.run(Effect.locally(Effect.zip(unit, FiberRef.get(queuedDeliveries)), queuedDeliveries, 0)),
          ([result, queued]) => (queued > 0 ? Effect.as(signals.signal("webhooks"), result) : Effect.succeed(result))
        )

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

      const fallBackToSms = (reason: MessageStatus.MessageError): Step<never> => (current, at) =>
        Effect.gen(function*() {
          const segments = SmsEncoding.segment(current.messageBody).segments
          const smsPrice = RateCard.quote(yield* rates.all, { channel: "sms", countryCode: current.countryCode, segments })
          const settled = Settlement.fallBackToSms(current, { reason, smsPrice, segments, at })
          const extra = smsPrice - current.charged
          if (extra <= 0) return [settled]
          const id = yield* Ids.make(Ids.LedgerEntryId)
          const covered = yield* ledger.debitIfCovered(current.customerId, {
            id,
            amount: micros(-extra),
            reason: "price_correction",
            messageId: current.id,
            createdAt: at
          })
          // The debit is already recorded; the state carries no further balance change.
          return covered ? [{ record: settled.record, balanceChanges: [] }] : []
        })

      /**
       * The states a report moves a message through: a live "not a WhatsApp user" failure of a message
       * that may fall back re-routes it to SMS (with a new dispatch job); any other report just applies.
       */
      const applyInbound = (current: MessageRecord, inbound: InboundReport, at: Date) =>
        Effect.gen(function*() {
          const { report } = inbound
          const error = report.error
          if (
            report.status === "failed" && error?.code === ChannelSelection.notOnWhatsAppCode &&
            current.channel === "whatsapp" && MessageStatus.advances(current, report)
          ) {
            yield* dropWhatsApp(contacts, current.customerId, current.contact.id, at)
            const mayFallBack = ChannelSelection.shouldFallBack({
              selection: { channel: current.channel, automatic: current.automatic },
              error,
              alreadyFellBack: current.fallback !== undefined,
              templateChannels: current.templateChannels
            })
            if (mayFallBack) {
              const fellBack = yield* fallBackToSms(error)(current, at)
              if (fellBack.length > 0) {
                yield* jobs.enqueue(current.id, at)
                return fellBack
              }
            }
          }
          return [Settlement.applyReport(current, report, at, inbound.price)]
        })

      return StatusTracking.of({
        ingest: (inbound) =>
          Effect.gen(function*() {
            const fellBack = yield* commit(Effect.gen(function*() {
              yield* held.lock(inbound.provider, inbound.providerMessageId)
              const id = yield* messages.findByProviderId(inbound.provider, inbound.providerMessageId)
              if (Option.isNone(id)) {
                yield* held.hold(inbound, yield* now)
                return false
              }
              const after = yield* change(id.value, (current, at) => applyInbound(current, inbound, at))
              // Found by its provider id, it lost that id only by a re-route: wake a dispatch worker.
              return Option.exists(after, (record) => record.providerMessageId === null)
            }))
            if (fellBack) yield* signals.signal("dispatch")
          }),
        accepted: (messageId, provider, accepted) =>
          change(messageId, (current, at) =>
            Effect.gen(function*() {
              if (current.providerMessageId !== null) return []
              yield* held.lock(provider, accepted.providerMessageId)
              // After a live fallback the message is `sent` already: the SMS acceptance records its id and
              // response without a second `sent` entry.
              const withId: MessageRecord = {
                ...current,
                provider,
                providerMessageId: accepted.providerMessageId,
                channelResponse: accepted.channelResponse,
                updatedAt: at
              }
              const states = [
                Settlement.applyReport(withId, { status: "sent", timestamp: at, channelResponse: accepted.channelResponse }, at, accepted.price)
              ]
              for (const inbound of yield* held.take(provider, accepted.providerMessageId)) {
                const last = states[states.length - 1]!.record
                // Once re-routed, the rest of the held reports are about the abandoned WhatsApp leg.
                if (last.providerMessageId === null) break
                states.push(...yield* applyInbound(last, inbound, at))
              }
              return states
            })),
        failedBeforeAcceptance: (messageId, error) =>
          change(messageId, (current, at) =>
            Effect.succeed(awaitsSend(current) ? [Settlement.failBeforeAcceptance(current, error, at)] : [])),
        commit,
        fallBackToSms,
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
