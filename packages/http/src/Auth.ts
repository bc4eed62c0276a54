/**
 * Authentication: customers by `x-api-key` (stored hashed; the key's customer is the tenant of every
 * call), the operator by `x-admin-key` (compared in constant time with the configured key). Rate limiting
 * rides on customer authentication, since it is per API key.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { HttpApiMiddleware, HttpApiSecurity, HttpApp, HttpServerResponse } from "@effect/platform"
import { Accounts, type Customer, Errors } from "@sent/core"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import * as ErrorEnvelope from "./ErrorEnvelope.js"
import { RateLimiter } from "./RateLimit.js"

/** The customer whose API key authenticated the request. */
export class CurrentCustomer extends Context.Tag("@sent/http/CurrentCustomer")<CurrentCustomer, Customer.Customer>() {}

/** Customer authentication (`x-api-key`) with rate limiting; provides `CurrentCustomer`. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@sent/http/Authentication", {
  failure: Schema.Union(ErrorEnvelope.Unauthorized, ErrorEnvelope.RateLimited),
  provides: CurrentCustomer,
  security: { apiKey: HttpApiSecurity.apiKey({ in: "header", key: "x-api-key" }) }
}) {}

/** Operator authentication (`x-admin-key`). */
export class AdminAuthentication extends HttpApiMiddleware.Tag<AdminAuthentication>()("@sent/http/AdminAuthentication", {
  failure: ErrorEnvelope.Unauthorized,
  security: { adminKey: HttpApiSecurity.apiKey({ in: "header", key: "x-admin-key" }) }
}) {}

/** The operator key the host is configured with. */
export class AdminKey extends Context.Tag("@sent/http/AdminKey")<AdminKey, Redacted.Redacted<string>>() {}

// Keys cannot be revoked, so a key once found stays valid: remembering its customer spares the hot path
// a query. Bounded, because unknown keys are never remembered but many customers' keys could be.
const maxRememberedKeys = 10_000

const rateLimitHeaders = (decision: { readonly limit: number; readonly remaining: number; readonly resetSeconds: number }) => ({
  "x-ratelimit-limit": String(decision.limit),
  "x-ratelimit-remaining": String(decision.remaining),
  "x-ratelimit-reset": String(decision.resetSeconds)
})

/** Customer authentication over `Accounts`, limited by the `RateLimiter`. */
export const layer: Layer.Layer<Authentication, never, Accounts.Accounts | RateLimiter> = Layer.effect(
  Authentication,
  Effect.gen(function*() {
    const accounts = yield* Accounts.Accounts
    const limiter = yield* RateLimiter
    const known = new Map<string, Customer.Customer>()

    const remember = (hash: string) => (customer: Customer.Customer) =>
      Effect.sync(() => {
        if (known.size >= maxRememberedKeys) known.clear()
        known.set(hash, customer)
      })

    const limit = (hash: string, customer: Customer.Customer) => {
      const decision = limiter.take(hash)
      const headers = decision.allowed
        ? rateLimitHeaders(decision)
        : { ...rateLimitHeaders(decision), "retry-after": String(decision.retryAfterSeconds) }
      const withHeaders = HttpApp.appendPreResponseHandler((_, response) =>
        Effect.succeed(HttpServerResponse.setHeaders(response, headers))
      )
      return decision.allowed
        ? Effect.as(withHeaders, customer)
        : Effect.zipRight(
          withHeaders,
          Effect.fail(
            new Errors.RateLimited({
              message: `Too many requests for this API key; retry in ${decision.retryAfterSeconds} s`,
              retryAfterSeconds: decision.retryAfterSeconds
            })
          )
        )
    }

    return Authentication.of({
      apiKey: (key) => {
        const apiKey = Redacted.value(key)
        if (apiKey.length === 0) {
          return Effect.fail(new Errors.Unauthorized({ message: "Send your API key in the x-api-key header" }))
        }
        const hash = Accounts.hashApiKey(apiKey)
        const customer = known.get(hash)
        if (customer !== undefined) return limit(hash, customer)
        return accounts.authenticate(apiKey).pipe(
          Effect.tap(remember(hash)),
          Effect.flatMap((found) => limit(hash, found))
        )
      }
    })
  })
)

const digest = (value: string) => createHash("sha256").update(value).digest()

/** Operator authentication against the `AdminKey`; an empty configured key refuses everyone. */
export const adminLayer: Layer.Layer<AdminAuthentication, never, AdminKey> = Layer.effect(
  AdminAuthentication,
  Effect.map(AdminKey, (configured) => {
    const expected = Redacted.value(configured)
    const expectedDigest = digest(expected)
    const refused = Effect.fail(new Errors.Unauthorized({ message: "Send the operator key in the x-admin-key header" }))
    return AdminAuthentication.of({
      adminKey: (key) => {
        const given = Redacted.value(key)
        if (given.length === 0 || expected.length === 0) return refused
        // Digests have one length whatever the input's, so the comparison's time says nothing about the key.
        return timingSafeEqual(digest(given), expectedDigest) ? Effect.void : refused
      }
    })
  })
)
