/**
 * The webhook worker: claims due deliveries from the durable outbox with a lease, sends each signed with
 * every live secret of its endpoint, logs every attempt, and settles it — succeeded, pending again on the
 * retry schedule, or failed for good. At least once: a delivery is settled only after its attempt, so a
 * crash mid-delivery leaves it claimed until the lease runs out and another worker takes it. In order per
 * message and endpoint: the store does not hand out a message's next event while an earlier one is pending.
 * An endpoint answering 410 Gone, or failing delivery after delivery for long enough, is disabled, and a
 * `webhook.disabled` event records it in its log.
 */
import { Storage, WakeUp } from "@sent/core"
import {
  Cause,
  Clock,
  Context,
  Duration,
  Effect,
  type Exit,
  Fiber,
  FiberSet,
  Layer,
  Option,
  Random,
  type Scope
} from "effect"
import * as Events from "./Events.js"
import * as RetrySchedule from "./RetrySchedule.js"
import { Sender } from "./Sender.js"
import * as Signature from "./Signature.js"

/** How the dispatcher works. */
export interface Options {
  /** Deliveries in flight at once. */
  readonly concurrency: number
  /** How long a claim holds a delivery; longer than the sender's timeout, so live attempts keep theirs. */
  readonly lease: Duration.DurationInput
  /** The longest sleep without a wake-up signal (the backstop when a signal was missed). */
  readonly pollInterval: Duration.DurationInput
  readonly schedule: RetrySchedule.RetrySchedule
  /** An endpoint is disabled once this many attempts in a row failed, over at least `window`. */
  readonly disableAfter: { readonly failedAttempts: number; readonly window: Duration.DurationInput }
  /** How long shutdown waits for deliveries in flight before giving the rest back. */
  readonly shutdownGrace: Duration.DurationInput
}

/** 64 in flight, a one-minute lease, the standard schedule, disabled after failing for 5 days straight. */
export const defaultOptions: Options = {
  concurrency: 64,
  lease: Duration.minutes(1),
  pollInterval: Duration.seconds(1),
  schedule: RetrySchedule.standard,
  disableAfter: { failedAttempts: 10, window: Duration.days(5) },
  shutdownGrace: Duration.seconds(10)
}

/** The dispatcher's running state, for hosts and tests that want to watch it. */
export class Dispatcher extends Context.Tag("@sent/webhooks/Dispatcher")<
  Dispatcher,
  {
    /** The worker id its claims are made under. */
    readonly workerId: string
    /** Deliveries being attempted right now. */
    readonly inFlight: Effect.Effect<number>
  }
>() {}

type Outcome = Storage.DeliveryOutcome

/** Resumes after the I/O callbacks of the current turn of the event loop ran (`setImmediate`). */
const afterIo = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** An attempt waiting for the recorder, and how to resume its fiber once its batch committed. */
interface Settling {
  readonly attempt: Storage.RecordedAttempt
  readonly resume: (settled: Exit.Exit<void>) => void
}

const describeStatus = (status: number) => `Receiver answered HTTP ${status}`

/**
 * Runs the worker for the life of the scope. Closing the scope stops claiming, lets deliveries in flight
 * finish within `shutdownGrace`, interrupts the rest and gives every delivery it still holds back.
 */
export const make = (
  options: Options = defaultOptions
): Effect.Effect<
  Dispatcher["Type"],
  never,
  Storage.Webhooks | Storage.JobSignals | Storage.Transactor | Sender | Scope.Scope
> =>
  Effect.gen(function* () {
    const webhooks = yield* Storage.Webhooks
    const signals = yield* Storage.JobSignals
    const transactor = yield* Storage.Transactor
    const sender = yield* Sender
    const workerId = `webhooks-${crypto.randomUUID()}`
    const leaseMillis = Duration.toMillis(options.lease)
    const pollMillis = Duration.toMillis(options.pollInterval)
    const windowMillis = Duration.toMillis(options.disableAfter.window)

    const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

    // Finished attempts are settled by one recorder, in batches of whatever finished while the previous
    // batch committed: one transaction of a few statements for many deliveries. An attempt counts as done
    // only once its batch committed, so at-least-once and the per-message order hold as with one by one.
    let settling: Array<Settling> = []
    const attemptsFinished = WakeUp.make(() => settling.length > 0)
    const record = (id: Storage.ClaimedDelivery["id"], attempt: Storage.DeliveryAttempt, outcome: Outcome) =>
      Effect.async<void>((resume) => {
        settling.push({ attempt: { id, attempt, outcome }, resume })
        attemptsFinished.wake()
      })
    const recorder = Effect.forever(
      Effect.gen(function* () {
        yield* attemptsFinished.wait
        // Responses read in the same turn of the event loop finish one after the other; let them all
        // finish before taking the batch, or every batch would hold one attempt.
        yield* afterIo
        const batch = settling
        settling = []
        const settled = yield* Effect.exit(webhooks.recordMany(batch.map((s) => s.attempt)))
        for (const { resume } of batch) resume(settled)
      })
    )

    /**
     * Logs a failed attempt. When it is the 410 Gone of a receiver, or the endpoint has now failed
     * `failedAttempts` times in a row over at least the window, the endpoint is disabled in the same
     * transaction, the attempt's log entry says so, and a `webhook.disabled` event records it.
     */
    const recordFailure = (
      delivery: Storage.ClaimedDelivery,
      attempt: Storage.DeliveryAttempt & { readonly error: string },
      outcome: Outcome,
      gone: boolean
    ) =>
      Effect.gen(function* () {
        const before = yield* webhooks.consecutiveFailures(delivery.endpoint.id)
        const failures = { count: before.count + 1, since: before.since ?? attempt.at }
        const sustained =
          failures.count >= options.disableAfter.failedAttempts &&
          attempt.at.getTime() - failures.since.getTime() >= windowMillis
        if (!gone && !sustained) return yield* record(delivery.id, attempt, outcome)
        const reason: Events.DisabledReason = gone ? "gone" : "sustained-failure"
        const event = yield* Events.disabled(delivery.event.customerId, {
          webhookId: delivery.endpoint.id,
          reason,
          consecutiveFailures: failures.count,
          failingSince: failures.since
        })
        const note = gone
          ? "endpoint disabled: the receiver answered 410 Gone"
          : `endpoint disabled: ${failures.count} failed attempts in a row since ${failures.since.toISOString()}`
        const disabledNow = yield* transactor.withTransaction(
          Effect.gen(function* () {
            yield* webhooks.record(delivery.id, { ...attempt, error: `${attempt.error}; ${note}` }, outcome)
            // Several attempts in flight can fail at once; only the first disables and records the event.
            const current = yield* webhooks.find(delivery.event.customerId, delivery.endpoint.id)
            if (Option.isNone(current) || !current.value.enabled) return false
            yield* webhooks.setEnabled(delivery.endpoint.id, false)
            yield* webhooks.emit(event, delivery.endpoint.id)
            return true
          })
        )
        if (disabledNow) {
          yield* Effect.logWarning("Webhook endpoint disabled").pipe(
            Effect.annotateLogs({ webhookId: delivery.endpoint.id, reason, consecutiveFailures: failures.count })
          )
        }
      })

    const retryOrFail = (delivery: Storage.ClaimedDelivery, at: Date, retryAfter: Option.Option<number>) =>
      Effect.map(Random.next, (random): Outcome =>
        Option.match(RetrySchedule.nextDelay(options.schedule, delivery.attempt + 1, random, retryAfter), {
          onNone: () => ({ status: "failed" }),
          onSome: (millis) => ({ status: "pending", retryAt: new Date(at.getTime() + millis) })
        })
      )

    // Runs for every delivery: plain combinators rather than a generator, the success path first.
    const attempt = (delivery: Storage.ClaimedDelivery) =>
      Effect.flatMap(Clock.currentTimeMillis, (millis) => {
        const at = new Date(millis)
        const headers = Signature.headers(
          delivery.previousSecrets.length === 0
            ? [delivery.endpoint.secret]
            : [delivery.endpoint.secret, ...delivery.previousSecrets],
          delivery.event.id,
          Math.floor(millis / 1000),
          delivery.event.payload
        )
        return Effect.matchEffect(sender.send({ url: delivery.endpoint.url, headers, body: delivery.event.payload }), {
          onFailure: (error) =>
            Effect.flatMap(retryOrFail(delivery, at, Option.none()), (outcome) =>
              recordFailure(delivery, { at, latencyMs: error.latencyMs, error: error.message }, outcome, false)),
          onSuccess: (response) => {
            const logged = { at, responseStatus: response.status, latencyMs: response.latencyMs }
            if (response.status >= 200 && response.status < 300) {
              return record(delivery.id, logged, { status: "succeeded" })
            }
            const gone = response.status === 410
            return Effect.flatMap(
              gone
                ? Effect.succeed<Outcome>({ status: "failed" })
                : retryOrFail(delivery, at, RetrySchedule.parseRetryAfter(response.retryAfter, at)),
              (outcome) => recordFailure(delivery, { ...logged, error: describeStatus(response.status) }, outcome, gone)
            )
          }
        })
      }).pipe(
        // A delivery whose bookkeeping failed keeps its lease and is taken again when the lease ends.
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause)
            : Effect.logError("Webhook delivery attempt could not be recorded", cause).pipe(
                Effect.annotateLogs({ deliveryId: delivery.id })
              )
        )
      )

    yield* Effect.addFinalizer(() => webhooks.release(workerId))
    // Forked before the grace period's finalizer, so it outlives it: deliveries finishing during shutdown
    // are still settled.
    yield* Effect.forkScoped(recorder)
    const fibers = yield* FiberSet.make<void>()
    // Finalizers run uninterruptibly, and a timeout that cannot interrupt what it times would wait for it.
    yield* Effect.addFinalizer(() =>
      Effect.interruptible(FiberSet.awaitEmpty(fibers)).pipe(Effect.timeoutOption(options.shutdownGrace), Effect.asVoid)
    )
    let inFlight = 0
    // Claims are batched: with deliveries in flight, the loop waits until a quarter of the slots are free,
    // so a busy dispatcher makes one claim per batch rather than one per finished delivery.
    const batch = Math.max(1, Math.floor(options.concurrency / 4))
    // A finished delivery frees a slot and may make its message's next event due: it wakes the loop.
    let finished = false
    const slotFreed = WakeUp.make(() => finished)
    const freeSlot = Effect.sync(() => {
      inFlight--
      finished = true
      slotFreed.wake()
    })

    const loop = Effect.gen(function* () {
      while (true) {
        if (inFlight > 0 && options.concurrency - inFlight < batch) {
          // Busy: nothing is claimed until enough slots are free, so only finished deliveries matter.
          yield* slotFreed.wait
          finished = false
          continue
        }
        finished = false
        // Listen before claiming, so a signal sent while claiming is not missed.
        const signalled = yield* Effect.fork(signals.wait("webhooks", pollMillis))
        yield* Effect.yieldNow()
        const free = options.concurrency - inFlight
        const claimedAt = yield* now
        const claimed = yield* webhooks.claim(workerId, free, leaseMillis, claimedAt)
        for (const delivery of claimed) {
          inFlight++
          yield* FiberSet.run(fibers, Effect.ensuring(attempt(delivery), freeSlot))
        }
        if (claimed.length === free) {
          yield* Fiber.interrupt(signalled)
          continue
        }
        let wait: Effect.Effect<unknown> = slotFreed.wait
        if (inFlight === 0) {
          // Idle: sleep until the next delivery is due, a signal, or the polling backstop.
          const untilDue = yield* Effect.zipWith(webhooks.nextRunAt(claimedAt), now, (next, at) =>
            Option.match(next, {
              onNone: () => pollMillis,
              onSome: (due) => Math.min(pollMillis, Math.max(0, due.getTime() - at.getTime()))
            })
          )
          wait = Effect.sleep(untilDue)
        }
        yield* Effect.raceAll([Fiber.join(signalled), wait])
        yield* Fiber.interrupt(signalled)
      }
    })

    yield* Effect.forkScoped(
      loop.pipe(
        Effect.tapErrorCause((cause) => Effect.logError("Webhook dispatcher stopped", cause))
      )
    )
    return Dispatcher.of({ workerId, inFlight: Effect.sync(() => inFlight) })
  })

/** The dispatcher running for the life of the layer. */
export const layer = (
  options: Options = defaultOptions
): Layer.Layer<Dispatcher, never, Storage.Webhooks | Storage.JobSignals | Storage.Transactor | Sender> =>
  Layer.scoped(Dispatcher, make(options))
