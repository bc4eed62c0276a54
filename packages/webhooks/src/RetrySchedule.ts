/**
 * When a failed delivery is tried again: a fixed schedule of waits (Standard Webhooks' suggestion by
 * default), each spread by a little jitter so receivers coming back up are not hit in lock-step, and never
 * sooner than the receiver's `Retry-After` asks.
 */
import { Duration, Option } from "effect"

/** The waits before each attempt (the first is usually zero), the jitter, and the `Retry-After` cap. */
export interface RetrySchedule {
  /** `delays[n]` is the wait before attempt `n + 1`; there are as many attempts as delays. */
  readonly delays: ReadonlyArray<Duration.Duration>
  /** The relative spread of each wait: 0.1 means ±10 %. */
  readonly jitter: number
  /** The longest `Retry-After` honoured, so a receiver cannot park a delivery forever. */
  readonly maxRetryAfter: Duration.Duration
}

/** Immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: eight attempts over about 28 hours. */
export const standard: RetrySchedule = {
  delays: [
    Duration.zero,
    Duration.seconds(5),
    Duration.minutes(5),
    Duration.minutes(30),
    Duration.hours(2),
    Duration.hours(5),
    Duration.hours(10),
    Duration.hours(10)
  ],
  jitter: 0.1,
  maxRetryAfter: Duration.hours(24)
}

/**
 * The wait before the next attempt after `attemptsMade` attempts failed, or none when the schedule is
 * used up. `random` is uniform in [0, 1); `retryAfterMillis` is what the receiver asked for, if anything.
 */
export const nextDelay = (
  schedule: RetrySchedule,
  attemptsMade: number,
  random: number,
  retryAfterMillis: Option.Option<number>
): Option.Option<number> => {
  const base = schedule.delays[attemptsMade]
  if (base === undefined) return Option.none()
  const jittered = Duration.toMillis(base) * (1 + schedule.jitter * (2 * random - 1))
  const asked = Option.match(retryAfterMillis, {
    onNone: () => 0,
    onSome: (millis) => Math.min(millis, Duration.toMillis(schedule.maxRetryAfter))
  })
  return Option.some(Math.round(Math.max(jittered, asked)))
}

/** A `Retry-After` header (delta-seconds or an HTTP date) as milliseconds from `now`. */
export const parseRetryAfter = (header: string | undefined, now: Date): Option.Option<number> => {
  if (header === undefined) return Option.none()
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Option.some(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? Option.none() : Option.some(Math.max(0, date - now.getTime()))
}
