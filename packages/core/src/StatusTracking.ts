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
 *
 * Work is set-based: concurrent reports are ingested as one batch, and a batch of changes reads its
 * messages in one statement (acceptances mostly need none: see `accepted`), saves them in one, and emits
 * their events in one, so a busy store pays a few statements per batch rather than several per report.
 */
import { Context, Effect, FiberRef, Layer, Option, Schema } from "effect"
import * as ChannelSelection from "./ChannelSelection.js"
import { dropWhatsApp } from "./ContactBook.js"
import { GroupCommit } from "./GroupCommit.js"
import * as Ids from "./Ids.js"
import * as Batcher from "./internal/batcher.js"
import { now } from "./internal/time.js"
import { awaitsSend, type MessageRecord, toMessage } from "./Message.js"
import * as MessageStatus from "./MessageStatus.js"
import { micros } from "./Money.js"
import { type Accepted, type InboundReport, InboundReports } from "./Provider.js"
import * as RateCard from "./RateCard.js"
import * as Settlement from "./Settlement.js"
import * as SmsEncoding from "./SmsEncoding.js"
import { Contacts, DispatchJobs, HeldReports, JobSignals, Ledger, Messages, Rates, type StoredEvent, Webhooks } from "./Storage.js"
import { MessageStatusUpdated } from "./Webhook.js"

const encodeEvent = Schema.encodeSync(MessageStatusUpdated)

// The webhook deliveries a unit of changes queued, so its committer wakes the dispatcher only if needed.
const queuedDeliveries = FiberRef.unsafeMake(0)

/**
 * One step of a change: the successive states a message goes through (each with its balance changes),
 * or none to leave it as it is.
 */
export type Step<E> = (record: MessageRecord, at: Date) => Effect.Effect<ReadonlyArray<Settlement.Settled>, E>

/** A provider took a message for sending. */
export interface Acceptance {
  readonly messageId: Ids.MessageId
  readonly provider: string
  readonly accepted: Accepted
  /**
   * The message as the dispatcher read it after claiming its job, and until when that read surely still
   * holds (see `accepted`); without it the message is read again.
   */
  readonly claimed?: { readonly record: MessageRecord; readonly validUntil: Date } | undefined
}

/** Reports received together are ingested in one batch of at most this many calls' reports. */
const maxIngestBatch = 256

/** Applies lifecycle changes to stored messages. */
export class StatusTracking extends Context.Tag("@sent/core/StatusTracking")<
  StatusTracking,
  {
    /**
     * Applies providers' reports in the order given (the inbound path of callbacks and the simulator).
     * Reports of concurrent callers are applied together, in one unit.
     */
    readonly ingest: (reports: ReadonlyArray<InboundReport>) => Effect.Effect<void>
    /**
     * Commits a unit of lifecycle changes (`accepted`, `failedBeforeAcceptance`, `change`...) in a
     * transaction it may share with other units (`GroupCommit`), then wakes the webhook dispatcher if the
     * unit queued deliveries.
     */
    readonly commit: <A>(unit: Effect.Effect<A>) => Effect.Effect<A>
    /**
     * Providers accepted these messages: record their ids, mark them `sent`, apply any held reports.
     * A message that has its provider id already is left as it is. Runs in the caller's transaction
     * (see `commit`). An acceptance's `claimed` record is used instead of reading the message again
     * until its `validUntil`, so it must come from a read made after the claim of the message's job.
     */
    readonly accepted: (acceptances: ReadonlyArray<Acceptance>) => Effect.Effect<void>
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
  /** Status tracking over the storage ports; its ingestion batcher lives as long as the layer. */
  static readonly layer = Layer.scoped(
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

      const event = (state: MessageRecord, at: Date): StoredEvent => {
        const id = Ids.at(Ids.EventId, at)
        return {
          id,
          customerId: state.customerId,
          type: "message.status.updated",
          messageId: state.id,
          // Encoded only if an endpoint wants the event: most status changes of a busy store have none.
          get payload() {
            return JSON.stringify(encodeEvent({ id, type: "message.status.updated", timestamp: at, data: toMessage(state) }))
          },
          createdAt: at
        }
      }

      const commit = <A>(unit: Effect.Effect<A>): Effect.Effect<A> =>
        Effect.flatMap(
          groupCommit.run(Effect.locally(Effect.zip(unit, FiberRef.get(queuedDeliveries)), queuedDeliveries, 0)),
          ([result, queued]) => (queued > 0 ? Effect.as(signals.signal("webhooks"), result) : Effect.succeed(result))
        )

      /**
       * Runs steps on messages read for update (`found`), in order; a message's next step sees its last
       * state. Balance changes are recorded as they come; the messages are saved and their events emitted
       * once, at the end. Returns each message after its step, or `None` when it was not found.
       */
      const applySteps = <E>(
        found: ReadonlyMap<Ids.MessageId, MessageRecord>,
        changes: ReadonlyArray<{ readonly messageId: Ids.MessageId; readonly step: Step<E> }>
      ): Effect.Effect<ReadonlyArray<Option.Option<MessageRecord>>, E> =>
        Effect.gen(function*() {
          const at = yield* now
          const current = new Map(found)
          const events: Array<StoredEvent> = []
          const results: Array<Option.Option<MessageRecord>> = []
          for (const { messageId, step } of changes) {
            const before = current.get(messageId)
            if (before === undefined) {
              results.push(Option.none())
              continue
            }
            let previous = before
            for (const { balanceChanges, record: state } of yield* step(before, at)) {
              for (const { amount, reason } of balanceChanges) {
                yield* ledger.append(state.customerId, { id: Ids.at(Ids.LedgerEntryId, at), amount, reason, messageId: state.id, createdAt: at })
              }
              if (state.status !== previous.status) events.push(event(state, at))
              previous = state
            }
            current.set(messageId, previous)
            results.push(Option.some(previous))
          }
          const changed = [...current.values()].filter((record) => record !== found.get(record.id))
          yield* messages.saveMany(changed)
          const queued = yield* webhooks.emitMany(events)
          if (queued > 0) yield* FiberRef.update(queuedDeliveries, (n) => n + queued)
          return results
        })

      const byId = (records: ReadonlyArray<MessageRecord>): ReadonlyMap<Ids.MessageId, MessageRecord> =>
        new Map(records.map((record) => [record.id, record]))

      const change = <E>(messageId: Ids.MessageId, step: Step<E>): Effect.Effect<Option.Option<MessageRecord>, E> =>
        Effect.flatMap(messages.findManyForUpdate([messageId]), (found) =>
          Effect.map(applySteps(byId(found), [{ messageId, step }]), (results) => results[0]!))

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
      const applyInbound = (
        current: MessageRecord,
        inbound: InboundReport,
        at: Date
      ): Effect.Effect<ReadonlyArray<Settlement.Settled>> =>
        reportsNotOnWhatsApp(current, inbound)
          ? notOnWhatsAppReported(current, inbound, inbound.report.error!, at)
          : Effect.succeed([Settlement.applyReport(current, inbound.report, at, inbound.price)])

      /**
       * `applyInbound` over reports in order, after `states`; reports that only apply are applied without
       * an effect of their own (the common case of reports held until an acceptance).
       */
      const applyAllInbound = (
        states: Array<Settlement.Settled>,
        reports: ReadonlyArray<InboundReport>,
        at: Date
      ): Effect.Effect<ReadonlyArray<Settlement.Settled>> => {
        for (let i = 0; i < reports.length; i++) {
          const last = states[states.length - 1]!.record
          // Once re-routed, the rest of the reports are about the abandoned WhatsApp leg.
          if (last.providerMessageId === null) break
          const inbound = reports[i]!
          if (reportsNotOnWhatsApp(last, inbound)) {
            return Effect.flatMap(
              applyInbound(last, inbound, at),
              (next) => applyAllInbound([...states, ...next], reports.slice(i + 1), at)
            )
          }
          states.push(Settlement.applyReport(last, inbound.report, at, inbound.price))
        }
        return Effect.succeed(states)
      }

      /** The recipient has no WhatsApp: the contact loses it, and the message falls back to SMS if it may. */
      const notOnWhatsAppReported = (
        current: MessageRecord,
        inbound: InboundReport,
        error: MessageStatus.MessageError,
        at: Date
      ) =>
        Effect.gen(function*() {
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
          return [Settlement.applyReport(current, inbound.report, at, inbound.price)]
        })

      /**
       * Applies a batch of reports in arrival order; those whose provider id no message has (yet) are held.
       * Returns whether a report re-routed a message, which then needs a dispatch worker.
       */
      const ingestMany = (batch: ReadonlyArray<InboundReport>) =>
        Effect.gen(function*() {
          const found = new Map<Ids.MessageId, MessageRecord>()
          const known = new Map<string, Ids.MessageId>()
          for (const [provider, reports] of groupBy(batch, (inbound) => inbound.provider)) {
            const ids = reports.map((inbound) => inbound.providerMessageId)
            yield* held.lock(provider, ids)
            for (const record of yield* messages.findManyByProviderIds(provider, ids)) {
              found.set(record.id, record)
              known.set(providerKey(provider, record.providerMessageId!), record.id)
            }
          }
          const at = yield* now
          yield* held.hold(batch.filter((inbound) => !known.has(providerKey(inbound.provider, inbound.providerMessageId))), at)
          const changes = batch.flatMap((inbound) => {
            const messageId = known.get(providerKey(inbound.provider, inbound.providerMessageId))
            if (messageId === undefined) return []
            // A report about a leg the message left (re-routed earlier in the batch) no longer matches it.
            const step: Step<never> = (current, at) =>
              current.provider === inbound.provider && current.providerMessageId === inbound.providerMessageId
                ? applyInbound(current, inbound, at)
                : Effect.as(held.hold([inbound], at), [])
            return [{ messageId, step }]
          })
          const after = yield* applySteps(found, changes)
          // Found by its provider id, a message loses that id only by a re-route.
          return after.some((record) => Option.exists(record, (r) => r.providerMessageId === null))
        })

      const ingest = yield* Batcher.make(maxIngestBatch, (batch: ReadonlyArray<ReadonlyArray<InboundReport>>) =>
        Effect.gen(function*() {
          if (yield* commit(ingestMany(batch.flat()))) yield* signals.signal("dispatch")
          return batch.map(() => undefined)
        }))

      // Runs on a message without a provider id: `accepted` passes no other.
      const acceptStep = (acceptance: Acceptance, heldReports: ReadonlyArray<InboundReport>): Step<never> => (current, at) => {
        const { accepted, provider } = acceptance
        // After a live fallback the message is `sent` already: the SMS acceptance records its id and
        // response without a second `sent` entry.
        const withId: MessageRecord = {
          ...current,
          provider,
          providerMessageId: accepted.providerMessageId,
          channelResponse: accepted.channelResponse,
          updatedAt: at
        }
        const sent = Settlement.applyReport(
          withId,
          { status: "sent", timestamp: at, channelResponse: accepted.channelResponse },
          at,
          accepted.price
        )
        return applyAllInbound([sent], heldReports, at)
      }

      return StatusTracking.of({
        ingest: (reports) => (reports.length === 0 ? Effect.void : ingest(reports)),
        accepted: (acceptances) =>
          Effect.gen(function*() {
            // Only the holder of a message's job changes a message that awaits its send, so while the claim's
            // lease surely holds, the message is as the dispatcher read it. Later, another worker may have
            // taken the expired job and recorded its own send: such messages are read again.
            const at = yield* now
            const stillTrue = ({ claimed }: Acceptance) => claimed !== undefined && at < claimed.validUntil
            const found = byId([
              ...acceptances.flatMap((acceptance) => (stillTrue(acceptance) ? [acceptance.claimed!.record] : [])),
              ...yield* messages.findManyForUpdate(
                acceptances.filter((acceptance) => !stillTrue(acceptance)).map((acceptance) => acceptance.messageId)
              )
            ])
            // One acceptance per message that still has no provider id; any other changes nothing.
            const seen = new Set<Ids.MessageId>()
            const fresh = acceptances.filter(({ messageId }) => {
              if (seen.has(messageId) || found.get(messageId)?.providerMessageId !== null) return false
              seen.add(messageId)
              return true
            })
            const heldReports = new Map<string, ReadonlyMap<string, ReadonlyArray<InboundReport>>>()
            for (const [provider, group] of groupBy(fresh, (acceptance) => acceptance.provider)) {
              const ids = group.map((acceptance) => acceptance.accepted.providerMessageId)
              yield* held.lock(provider, ids)
              heldReports.set(provider, yield* held.take(provider, ids))
            }
            yield* applySteps(
              found,
              fresh.map((acceptance) => ({
                messageId: acceptance.messageId,
                step: acceptStep(acceptance, heldReports.get(acceptance.provider)?.get(acceptance.accepted.providerMessageId) ?? [])
              }))
            )
          }),
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

/** Whether a report says a WhatsApp message's recipient has no WhatsApp, news to the message as it is. */
const reportsNotOnWhatsApp = (current: MessageRecord, { report }: InboundReport): boolean =>
  report.status === "failed" && report.error?.code === ChannelSelection.notOnWhatsAppCode &&
  current.channel === "whatsapp" && MessageStatus.advances(current, report)

/** A message's id at a provider, unique across providers: provider names are ours and have no newline. */
const providerKey = (provider: string, providerMessageId: string): string => `${provider}\n${providerMessageId}`

const groupBy = <A>(items: ReadonlyArray<A>, key: (item: A) => string): ReadonlyMap<string, ReadonlyArray<A>> => {
  const groups = new Map<string, Array<A>>()
  for (const item of items) {
    const group = groups.get(key(item))
    if (group === undefined) groups.set(key(item), [item])
    else group.push(item)
  }
  return groups
}
