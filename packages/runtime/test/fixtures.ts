/** Test worlds: Sent composed over a real SQLite file and the simulated provider. */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Accounts, type Customer, type Ids, type Message, Messaging, MessageStatus, Money, TemplateCatalog } from "@sent/core"
import { Simulated } from "@sent/providers"
import { Sqlite } from "@sent/sql"
import { type Duration, Effect, type Layer, Schedule } from "effect"
import * as SentLayer from "../src/SentLayer.js"

/** A fresh SQLite file in a temp directory. */
export const tempDatabase = (): string => join(mkdtempSync(join(tmpdir(), "sent-test-")), "sent.db")

/** Sent over a store and the simulated provider with no report delay. */
export const worldOver = <E>(store: Layer.Layer<SentLayer.StoragePorts, E>, options: SentLayer.Options = {}) =>
  SentLayer.layer(store, Simulated.layer({ delayMillis: 0 }), { allowPrivateWebhooks: true, ...options })

/** Sent over a fresh SQLite file and the simulated provider with no report delay. */
export const world = (options: SentLayer.Options & { readonly filename?: string } = {}) =>
  worldOver(Sqlite.layer({ filename: options.filename ?? tempDatabase() }), options)

/** A customer with a balance (in micros) and an SMS+WhatsApp template `Hi {{name}}, your code is {{code}}`. */
export const customerWithTemplate = (balance: number) =>
  Effect.gen(function*() {
    const accounts = yield* Accounts.Accounts
    const { customer, apiKey } = yield* accounts.createCustomer("Acme")
    if (balance > 0) yield* accounts.topUp(customer.id, Money.micros(balance))
    const template = yield* Effect.flatMap(TemplateCatalog.TemplateCatalog, (catalog) =>
      catalog.create(customer.id, { name: "otp", body: "Hi {{name}}, your code is {{code}}" }))
    return { customer, apiKey, template, customerId: customer.id as Ids.CustomerId }
  })

/** A valid US number whose national number ends in `ending` (the simulated provider's outcome selector). */
export const usNumber = (ending: string, middle = "01"): string => `+1415555${middle}${ending}`

/** Whether a message has reached its outcome: a terminal status, or a settled price (sent and then silent). */
export const isSettled = (m: Message.Message): boolean =>
  MessageStatus.isTerminal(m) || m.pricing.correctedPrice !== null

/** Polls a message until `done` holds (the simulated provider reports within milliseconds). */
export const untilMessage = (
  customerId: Ids.CustomerId,
  id: Ids.MessageId,
  done: (m: Message.Message) => boolean,
  within: Duration.DurationInput = "10 seconds"
) =>
  Effect.flatMap(Messaging.Messaging, (messaging) =>
    messaging.get(customerId, id).pipe(
      Effect.filterOrFail(done, (m) => new Error(`${m.id} still ${m.status} on ${m.channel}`)),
      Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo(within)))
    ))

/** Every ledger entry of a customer, all pages. */
export const ledgerEntries = (customerId: Ids.CustomerId) =>
  Effect.gen(function*() {
    const accounts = yield* Accounts.Accounts
    const entries: Array<Customer.LedgerEntry> = []
    let cursor: string | undefined
    do {
      const page = yield* accounts.ledger(customerId, { limit: 200, cursor })
      entries.push(...page.data)
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    return entries
  })

/** The sum of a customer's ledger, all pages. */
export const ledgerSum = (customerId: Ids.CustomerId) =>
  Effect.map(ledgerEntries(customerId), (entries) => entries.reduce((sum, entry) => sum + entry.amount, 0))
