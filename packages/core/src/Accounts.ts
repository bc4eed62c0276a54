/**
 * Customer accounts: creation, API keys (stored only as SHA-256 hashes — they are 256-bit random
 * secrets, so a slow password hash buys nothing), authentication, balance, ledger and the rate card.
 */
import { createHash, randomBytes } from "node:crypto"
import { Context, Effect, Layer, Option } from "effect"
import type { Balance, Customer, LedgerEntry } from "./Customer.js"
import { NotFound, Unauthorized, ValidationFailed } from "./Errors.js"
import * as Ids from "./Ids.js"
import type { Micros } from "./Money.js"
import type { Rate } from "./RateCard.js"
import { now } from "./internal/time.js"
import { Customers, Ledger, Rates, type Page, type PageRequest, Transactor } from "./Storage.js"

/** A fresh API key: a recognisable prefix and 32 random bytes. */
export const generateApiKey = (): string => `sent_${randomBytes(32).toString("base64url")}`

/** The at-rest form of an API key. */
export const hashApiKey = (apiKey: string): string => createHash("sha256").update(apiKey).digest("hex")

/** Accounts, as the operator API and authentication use them. */
export class Accounts extends Context.Tag("@sent/core/Accounts")<
  Accounts,
  {
    /** Creates a customer with a zero balance and its first API key, shown only here. */
    readonly createCustomer: (name: string) => Effect.Effect<{ readonly customer: Customer; readonly apiKey: string }, ValidationFailed>
    readonly issueApiKey: (customerId: Ids.CustomerId) => Effect.Effect<string, NotFound>
    /** The customer an API key belongs to; an empty or unknown key is `Unauthorized`. */
    readonly authenticate: (apiKey: string) => Effect.Effect<Customer, Unauthorized>
    readonly topUp: (customerId: Ids.CustomerId, amount: Micros) => Effect.Effect<Balance, NotFound | ValidationFailed>
    readonly balance: (customerId: Ids.CustomerId) => Effect.Effect<Balance>
    readonly ledger: (customerId: Ids.CustomerId, page: PageRequest) => Effect.Effect<Page<LedgerEntry>>
    readonly rates: Effect.Effect<ReadonlyArray<Rate>>
    /** Merges rows into the rate card and returns the whole card. */
    readonly setRates: (rows: ReadonlyArray<Rate>) => Effect.Effect<ReadonlyArray<Rate>>
  }
>() {
  /** Accounts over the storage ports. */
  static readonly layer = Layer.effect(
    Accounts,
    Effect.gen(function*() {
      const customers = yield* Customers
      const ledger = yield* Ledger
      const rates = yield* Rates
      const tx = yield* Transactor

      const requireCustomer = (id: Ids.CustomerId) =>
        Effect.flatMap(customers.find(id), Option.match({
          onNone: () => Effect.fail(NotFound.of("customer", id)),
          onSome: Effect.succeed
        }))

      return Accounts.of({
        createCustomer: (name) =>
          Effect.gen(function*() {
            const trimmed = name.trim()
            if (trimmed.length === 0 || trimmed.length > 200) {
              return yield* new ValidationFailed({
                message: "The customer needs a name of 1 to 200 characters",
                details: [{ field: "name", message: "must be 1 to 200 characters" }]
              })
            }
            const customer: Customer = {
              id: yield* Ids.make(Ids.CustomerId),
              name: trimmed,
              createdAt: yield* now
            }
            const apiKey = generateApiKey()
            yield* customers.insert(customer, hashApiKey(apiKey))
            return { customer, apiKey }
          }),
        issueApiKey: (customerId) =>
          Effect.gen(function*() {
            const apiKey = generateApiKey()
            const added = yield* customers.addApiKey(customerId, hashApiKey(apiKey))
            if (!added) return yield* NotFound.of("customer", customerId)
            return apiKey
          }),
        authenticate: (apiKey) =>
          apiKey.length === 0
            ? Effect.fail(new Unauthorized({ message: "Missing API key" }))
            : Effect.flatMap(customers.findByApiKeyHash(hashApiKey(apiKey)), Option.match({
              onNone: () => Effect.fail(new Unauthorized({ message: "Unknown API key" })),
              onSome: Effect.succeed
            })),
        topUp: (customerId, amount) =>
          Effect.gen(function*() {
            if (amount <= 0) {
              return yield* new ValidationFailed({
                message: "A top-up must be a positive amount",
                details: [{ field: "amount", message: "must be greater than 0" }]
              })
            }
            yield* requireCustomer(customerId)
            const entry: LedgerEntry = {
              id: yield* Ids.make(Ids.LedgerEntryId),
              amount,
              reason: "top_up",
              createdAt: yield* now
            }
            const balance = yield* tx.withTransaction(ledger.append(customerId, entry))
            return { balance, currency: "USD" as const }
          }),
        balance: (customerId) =>
          Effect.map(ledger.balance(customerId), (balance) => ({ balance, currency: "USD" as const })),
        ledger: (customerId, page) => ledger.list(customerId, page),
        rates: rates.all,
        setRates: (rows) => tx.withTransaction(rates.merge(rows))
      })
    })
  )
}
