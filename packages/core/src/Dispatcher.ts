/**
 * The dispatch worker: claims queued messages' jobs with a lease, sends each through its channel's
 * provider, and records the outcome in the same transaction that completes the job. Transient refusals
 * are retried with exponential backoff and jitter through the job's `run_at`; permanent ones fail the
 * message (refunded) or, for an automatic WhatsApp send to someone without WhatsApp, fall back to SMS once.
 *
 * A worker keeps up to `concurrency` sends in flight and claims jobs as slots free up, so a slow send
 * holds its slot, never the others; and it claims no more while four times `concurrency` jobs await the
 * recording of their outcome, so it never leases more than it can soon finish. Claimed jobs are read in
 * one statement, and the acceptances of sends that finish together are recorded in one batch (one
 * transaction, a few statements).
 *
 * A worker killed mid-job loses nothing: its lease expires and another claim takes the job. The price of
 * that safety is that the provider may see the same send twice — which is why the provider's id, not
 * ours, keys the status reports.
 */
import { Context, Duration, Effect, Fiber, FiberSet, Layer, Option, Random, Ref } from "effect"
import * as ChannelSelection from "./ChannelSelection.js"
import { dropWhatsApp } from "./ContactBook.js"
import * as Ids from "./Ids.js"
import * as Batcher from "./internal/batcher.js"
import { nextTurn } from "./internal/turn.js"
import { now } from "./internal/time.js"
import { awaitsSend, type MessageRecord } from "./Message.js"
import type { MessageError } from "./MessageStatus.js"
import { type ProviderRejected, Providers } from "./Provider.js"
import { type Acceptance, StatusTracking } from "./StatusTracking.js"
import { Contacts, type DispatchJob, DispatchJobs, JobSignals, Messages } from "./Storage.js"
import * as WakeUp from "./WakeUp.js"

/** How a dispatch worker behaves. */
export interface Options {
  /** Jobs claimed and sent at once. */
  readonly concurrency: number
  /** How long a claim holds a job; longer than any provider call may take. */
  readonly leaseMillis: number
  /** Sends of one message before a transient failure becomes final. */
  readonly maxAttempts: number
  /** The first retry's delay; each next one doubles, up to `maxDelayMillis`, with jitter. */
  readonly baseDelayMillis: number
  readonly maxDelayMillis: number
  /** The polling backstop when no signal arrives. */
  readonly pollMillis: number
  /** How long shutdown waits for jobs in flight before releasing them. */
  readonly shutdownGraceMillis: number
}

/** Defaults: a simulated `02` (two transient failures) is delivered within a few seconds. */
export const defaults: Options = {
  concurrency: 64,
  leaseMillis: 30_000,
  maxAttempts: 8,
  baseDelayMillis: 250,
  maxDelayMillis: 5 * 60_000,
  pollMillis: 1_000,
  shutdownGraceMillis: 10_000
}

/** The delay before retry number `attempt` (1-based): exponential, capped, with ±50% jitter. */
export const retryDelay = (options: Options, attempt: number, retryAfterMillis: number | undefined) =>
  Effect.map(Random.nextRange(0.5, 1.5), (jitter) => {
    const exponential = Math.min(options.maxDelayMillis, options.baseDelayMillis * 2 ** (attempt - 1))
    return Math.max(Math.round(exponential * jitter), retryAfterMillis ?? 0)
  })

/** Processing of claimed dispatch jobs. */
export class Dispatcher extends Context.Tag("@sent/core/Dispatcher")<
  Dispatcher,
  {
    /**
     * Claims due jobs for the free send slots (`concurrency` in all) and starts sending them; returns how
     * many it claimed. Sends and the recording of their outcomes run in the background (see `settled`),
     * so a slow send holds one slot, never the next claim.
     */
    readonly runOnce: Effect.Effect<number>
    /** Completes once a send slot is free and the jobs awaiting recording leave room for more. */
    readonly slotFree: Effect.Effect<void>
    /** Completes once every send started so far has finished and its outcome is recorded. */
    readonly settled: Effect.Effect<void>
    /** Interrupts the sends in flight; their jobs stay leased until released or expired. */
    readonly abandon: Effect.Effect<void>
    /** The worker's id in leases. */
    readonly workerId: string
  }
>() {
  /** A dispatcher with the given options. */
  static readonly layer = (options: Partial<Options> = {}) =>
    Layer.scoped(Dispatcher, make({ ...defaults, ...options }))

  /**
   * Runs the worker loop for the lifetime of the layer. On shutdown it stops claiming, lets jobs in
   * flight finish for the grace period, and releases whatever it still holds.
   */
  static readonly worker = (options: Partial<Options> = {}) =>
    Layer.scopedDiscard(Effect.gen(function*() {
      const settings = { ...defaults, ...options }
      const dispatcher = yield* Dispatcher
      const jobs = yield* DispatchJobs
      const signals = yield* JobSignals
      const stopping = yield* Ref.make(false)
      const step = Effect.gen(function*() {
        yield* dispatcher.slotFree
        const claimed = yield* dispatcher.runOnce
        if (claimed > 0) return
        const next = yield* jobs.nextRunAt
        const at = yield* now
        const wait = Option.match(next, {
          onNone: () => settings.pollMillis,
          onSome: (runAt) => Math.max(0, Math.min(settings.pollMillis, runAt.getTime() - at.getTime()))
        })
        if (wait > 0) yield* signals.wait("dispatch", wait)
      }).pipe(Effect.catchAllCause((cause) => Effect.logError("dispatch worker step failed", cause)))
      const fiber = yield* Effect.forkDaemon(Effect.gen(function*() {
        while (!(yield* Ref.get(stopping))) yield* step
      }))
      yield* Effect.addFinalizer(() =>
        Effect.gen(function*() {
          yield* Ref.set(stopping, true)
          yield* signals.signal("dispatch")
          // Finalizers run uninterruptibly, and a timeout that cannot interrupt what it times would wait for it.
          const finished = yield* Effect.interruptible(Effect.zipRight(Fiber.await(fiber), dispatcher.settled)).pipe(
            Effect.timeout(Duration.millis(settings.shutdownGraceMillis)),
            Effect.option
          )
          if (Option.isNone(finished)) yield* Effect.zipRight(Fiber.interrupt(fiber), dispatcher.abandon)
          yield* jobs.release(dispatcher.workerId)
        })
      )
    }))
}

const make = (options: Options) =>
  Effect.gen(function*() {
    const jobs = yield* DispatchJobs
    const messages = yield* Messages
    const contacts = yield* Contacts
    const providers = yield* Providers
    const tracking = yield* StatusTracking
    const signals = yield* JobSignals
    const workerId = `dispatch-${yield* Ids.make(Ids.EventId)}`

    // The worker may be asleep until a time computed before this job was given back: wake it to look again.
    const retry = (job: DispatchJob, at: Date, reason: string) =>
      Effect.zipRight(jobs.reschedule(job.id, at, reason), signals.signal("dispatch"))

    const finish = (job: DispatchJob, effect: Effect.Effect<unknown>) =>
      tracking.commit(Effect.zipRight(effect, jobs.complete([job.id])))

    // A fiber per claimed job: its send, then the recording of the outcome. A send holds one of the
    // `concurrency` send slots until it is done, so a slow send never holds up the others. Sends can finish
    // faster than their outcomes are recorded, so at most four batches' worth of jobs (`concurrency` each)
    // may be claimed and not yet recorded: beyond that the worker stops claiming rather than hold leases
    // on jobs it cannot record soon (and keep them all in memory). With fewer, recording batches shrink
    // and throughput drops. Either count going down wakes whoever waits for room.
    const jobsInFlight = yield* FiberSet.make<void>()
    // Forks into the set without an effect per job. Fibers of a set, not children of the worker: a child
    // joining its parent merges its fiber refs back, a cost per job larger than a simulated send.
    const runJob = yield* FiberSet.runtime(jobsInFlight)<never>()
    let sending = 0
    let unrecorded = 0
    const maxUnrecorded = 4 * options.concurrency
    const room = () => Math.min(options.concurrency - sending, maxUnrecorded - unrecorded)
    const freed = WakeUp.make(() => room() > 0)
    /** Counts a claimed job in; returns what its send's end and its fiber's end give back. */
    const holdSlot = () => {
      sending++
      unrecorded++
      let sendOver = false
      const sendEnded = () => {
        if (sendOver) return
        sendOver = true
        sending--
        freed.wake()
      }
      const jobEnded = () => {
        sendEnded()
        unrecorded--
        freed.wake()
      }
      return { sendEnded, jobEnded }
    }
    const slotFree: Effect.Effect<void> = Effect.suspend(() =>
      room() > 0 ? Effect.void : Effect.zipRight(freed.wait, slotFree))

    // Sends accepted together are recorded, and their jobs completed, in one unit.
    const accepted = yield* Batcher.make(
      options.concurrency,
      (batch: ReadonlyArray<{ readonly job: DispatchJob; readonly acceptance: Acceptance }>) =>
        tracking.commit(Effect.as(
          Effect.zipRight(
            tracking.accepted(batch.map(({ acceptance }) => acceptance)),
            jobs.complete(batch.map(({ job }) => job.id))
          ),
          batch.map(() => undefined)
        ))
    )

    const failFinally = (job: DispatchJob, record: MessageRecord, error: MessageError) =>
      finish(job, tracking.failedBeforeAcceptance(record.id, error))

    /** The SMS re-route of a message WhatsApp refused; fails the message when the balance cannot cover it. */
    const fallBack = (job: DispatchJob, record: MessageRecord, reason: MessageError) =>
      Effect.gen(function*() {
        const fellBack = yield* tracking.commit(
          Effect.map(
            tracking.change(record.id, (current, at) =>
              current.status !== "queued" || current.fallback !== undefined
                ? Effect.succeed([])
                : tracking.fallBackToSms(reason)(current, at)),
            Option.exists((after) => after.fallback !== undefined)
          )
        )
        if (fellBack) return yield* retry(job, yield* now, `fell back to SMS: ${reason.code}`)
        yield* failFinally(job, record, reason)
      })

    const rejected = (job: DispatchJob, record: MessageRecord, rejection: ProviderRejected) =>
      Effect.gen(function*() {
        const { error } = rejection
        if (error.code === ChannelSelection.notOnWhatsAppCode) {
          yield* dropWhatsApp(contacts, record.customerId, record.contact.id, yield* now)
        }
        if (!error.permanent) {
          const attempt = job.attempts + 1
          if (attempt < options.maxAttempts) {
            const delay = yield* retryDelay(options, attempt, rejection.retryAfterMillis)
            const at = yield* now
            return yield* retry(job, new Date(at.getTime() + delay), `${error.code}: ${error.message}`)
          }
          return yield* failFinally(job, record, { ...error, permanent: false })
        }
        const fallBackNow = ChannelSelection.shouldFallBack({
          selection: { channel: record.channel, automatic: record.automatic },
          error,
          alreadyFellBack: record.fallback !== undefined,
          templateChannels: record.templateChannels
        })
        if (fallBackNow) return yield* fallBack(job, record, error)
        yield* failFinally(job, record, error)
      })

    const process = (job: DispatchJob, record: MessageRecord, validUntil: Date, sendEnded: () => void) =>
      Effect.gen(function*() {
        const provider = record.channel === "sms" ? providers.sms : providers.whatsapp
        const outcome = yield* Effect.either(provider.send({
          messageId: record.id,
          channel: record.channel,
          to: record.contact.phoneNumber,
          nationalNumber: record.nationalNumber,
          body: record.messageBody,
          template: { name: record.template.name, category: record.templateCategory, parameters: record.templateParameters },
          attempt: job.attempts + 1
        }))
        sendEnded()
        if (outcome._tag === "Right") {
          return yield* accepted({
            job,
            acceptance: { messageId: record.id, provider: provider.name, accepted: outcome.right, claimed: { record, validUntil } }
          })
        }
        yield* rejected(job, record, outcome.left)
      }).pipe(
        // A defect here leaves the job leased; it is taken again when the lease expires.
        Effect.catchAllCause((cause) => Effect.logError(`dispatch of message ${job.messageId} failed`, cause))
      )

    const runOnce = Effect.gen(function*() {
      // One turn of the event loop first: sends committing meanwhile join this claim rather than the next.
      yield* nextTurn
      const free = room()
      if (free <= 0) return 0
      const at = yield* now
      const claimed = yield* jobs.claim(workerId, free, options.leaseMillis, at)
      if (claimed.length === 0) return 0
      const records = new Map((yield* messages.findMany(claimed.map((job) => job.messageId))).map((record) => [record.id, record]))
      // The records stay true while the lease surely holds: half of it, the rest allowing for the clocks of
      // other workers running ahead of ours (StatusTracking.accepted).
      const validUntil = new Date(at.getTime() + options.leaseMillis / 2)
      // A job whose message is gone or no longer waits for a send (a duplicate) has nothing left to do.
      const pending = claimed.flatMap((job) => {
        const record = records.get(job.messageId)
        return record !== undefined && awaitsSend(record) ? [{ job, record }] : []
      })
      if (pending.length < claimed.length) {
        const sent = new Set(pending.map(({ job }) => job.id))
        yield* jobs.complete(claimed.filter((job) => !sent.has(job.id)).map((job) => job.id))
      }
      for (const { job, record } of pending) {
        const { jobEnded, sendEnded } = holdSlot()
        // Started by the scheduler, as a forked fiber is (started at once, inside this loop, the send →
        // provider latency doubled in the benchmark). However it ends, it holds no slot afterwards.
        runJob(process(job, record, validUntil, sendEnded), { immediate: false }).addObserver(jobEnded)
      }
      return claimed.length
    })

    return Dispatcher.of({
      runOnce,
      slotFree,
      settled: FiberSet.awaitEmpty(jobsInFlight),
      abandon: FiberSet.clear(jobsInFlight),
      workerId
    })
  })
