/** The per-key token bucket and its headers. */
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as RateLimit from "../src/RateLimit.js"
import { codeOf, customer, raw, world } from "./fixtures.js"

describe("rate limit", () => {
  it("refills at the rate up to the burst", () => {
    let now = 0
    const limiter = RateLimit.make({ requestsPerSecond: 2, burst: 3 }, () => now)
    expect([1, 2, 3].map(() => limiter.take("k").allowed)).toEqual([true, true, true])
    const refused = limiter.take("k")
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1 })
    expect(limiter.take("other").allowed).toBe(true)
    now = 500
    expect(limiter.take("k").allowed).toBe(true)
    expect(limiter.take("k").allowed).toBe(false)
    now = 10_000
    expect(limiter.take("k")).toMatchObject({ allowed: true, remaining: 2, limit: 3 })
  })

  layer(world({ rateLimit: { requestsPerSecond: 1, burst: 2 } }), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("answers 429 RATE_LIMITED with Retry-After and X-RateLimit-* once a key's burst is spent", () =>
      Effect.gen(function*() {
        const { apiKey } = yield* customer(0)
        const headers = { "x-api-key": apiKey }
        const first = yield* raw("GET", "/v1/balance", { headers })
        expect(first.status).toBe(200)
        expect(first.headers).toMatchObject({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "1" })
        yield* raw("GET", "/v1/balance", { headers })
        const limited = yield* raw("GET", "/v1/balance", { headers })
        expect([limited.status, codeOf(limited.body)]).toEqual([429, "RATE_LIMITED"])
        expect(limited.headers["retry-after"]).toBe("1")
        expect(limited.headers).toMatchObject({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "0" })
        expect(limited.headers["x-ratelimit-reset"]).toBeDefined()
      }))
  })
})
