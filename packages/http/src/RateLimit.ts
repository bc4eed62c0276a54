/**
 * Rate limiting per API key: a token bucket in memory (one process) that refills `requestsPerSecond`
 * tokens a second up to `burst`. Every authenticated response carries `X-RateLimit-Limit` (the bucket's
 * size), `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the bucket is full again); a
 * refused one is a `429 RATE_LIMITED` with `Retry-After` (seconds until one token is back).
 */
import { Config, type ConfigError, Context, Effect, Layer } from "effect"

/** How fast a key may call. */
export interface Options {
  readonly requestsPerSecond: number
  /** The most requests a key may make at once after being idle. */
  readonly burst: number
}

/** The default: 100 requests a second, bursts of 200. */
export const defaults: Options = { requestsPerSecond: 100, burst: 200 }

/** The outcome of one request against its key's bucket. */
export interface Decision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number
  /** Seconds until the next request would be allowed (0 when this one was). */
  readonly retryAfterSeconds: number
}

/** Takes one token from a key's bucket. */
export class RateLimiter extends Context.Tag("@sent/http/RateLimiter")<
  RateLimiter,
  { readonly take: (key: string) => Decision }
>() {}

interface Bucket {
  tokens: number
  updatedAt: number
}

/** A limiter with the given options, on the given millisecond clock. */
export const make = (options: Options, now: () => number = Date.now): RateLimiter["Type"] => {
  const buckets = new Map<string, Bucket>()
  const perMilli = options.requestsPerSecond / 1000
  return {
    take: (key) => {
      const at = now()
      let bucket = buckets.get(key)
      if (bucket === undefined) {
        bucket = { tokens: options.burst, updatedAt: at }
        buckets.set(key, bucket)
      } else {
        bucket.tokens = Math.min(options.burst, bucket.tokens + (at - bucket.updatedAt) * perMilli)
        bucket.updatedAt = at
      }
      const allowed = bucket.tokens >= 1
      if (allowed) bucket.tokens -= 1
      return {
        allowed,
        limit: options.burst,
        remaining: Math.floor(bucket.tokens),
        resetSeconds: Math.ceil((options.burst - bucket.tokens) / options.requestsPerSecond),
        retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / options.requestsPerSecond))
      }
    }
  }
}

/** A limiter with the given options (default 100/s, bursts of 200). */
export const layer = (options: Partial<Options> = {}): Layer.Layer<RateLimiter> => {
  const requestsPerSecond = options.requestsPerSecond ?? defaults.requestsPerSecond
  const burst = options.burst ?? requestsPerSecond * 2
  return Layer.sync(RateLimiter, () => RateLimiter.of(make({ requestsPerSecond, burst })))
}

/** A limiter of `SENT_RATE_LIMIT` requests a second (default 100), bursts of twice that. */
export const layerConfig: Layer.Layer<RateLimiter, ConfigError.ConfigError> = Layer.unwrapEffect(
  Effect.map(
    Config.withDefault(
      Config.number("SENT_RATE_LIMIT").pipe(Config.validate({ message: "must be positive", validation: (n) => n > 0 })),
      defaults.requestsPerSecond
    ),
    (requestsPerSecond) => layer({ requestsPerSecond })
  )
)
