import { describe, expect, it } from "@effect/vitest"
import { Duration, FastCheck, Option } from "effect"
import { RetrySchedule } from "../src/index.js"

describe("RetrySchedule", () => {
  const schedule = RetrySchedule.standard

  it("follows the standard schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up", () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((n) => Option.getOrThrow(RetrySchedule.nextDelay(schedule, n, 0.5, Option.none())))
    expect(waits).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
    expect(RetrySchedule.nextDelay(schedule, 8, 0.5, Option.none())).toEqual(Option.none())
  })

  it.prop("jitter stays within ±10 % of the scheduled wait", [FastCheck.integer({ min: 1, max: 7 }), FastCheck.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })], ([n, random]) => {
    const base = Duration.toMillis(schedule.delays[n]!)
    const wait = Option.getOrThrow(RetrySchedule.nextDelay(schedule, n, random, Option.none()))
    expect(wait).toBeGreaterThanOrEqual(Math.floor(base * 0.9))
    expect(wait).toBeLessThanOrEqual(Math.ceil(base * 1.1))
  })

  it("never retries sooner than Retry-After, which is capped at 24 hours", () => {
    expect(RetrySchedule.nextDelay(schedule, 1, 0.5, Option.some(60_000))).toEqual(Option.some(60_000))
    expect(RetrySchedule.nextDelay(schedule, 3, 0.5, Option.some(60_000))).toEqual(Option.some(1_800_000))
    expect(RetrySchedule.nextDelay(schedule, 1, 0.5, Option.some(10 * 86_400_000))).toEqual(Option.some(86_400_000))
    expect(RetrySchedule.nextDelay(schedule, 8, 0.5, Option.some(1_000))).toEqual(Option.none())
  })

  it("parses Retry-After as seconds or as an HTTP date", () => {
    const now = new Date("2026-01-01T00:00:00Z")
    expect(RetrySchedule.parseRetryAfter("120", now)).toEqual(Option.some(120_000))
    expect(RetrySchedule.parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toEqual(Option.some(30_000))
    expect(RetrySchedule.parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toEqual(Option.some(0))
    expect(RetrySchedule.parseRetryAfter("soon", now)).toEqual(Option.none())
    expect(RetrySchedule.parseRetryAfter(undefined, now)).toEqual(Option.none())
  })
})
