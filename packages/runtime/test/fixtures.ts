/** Test worlds: Sent composed over a real SQLite file and the simulated provider. */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Accounts, type Ids, Money, TemplateCatalog } from "@sent/core"
import { Simulated } from "@sent/providers"
import { Sqlite } from "@sent/sql"
import { Effect, type Layer } from "effect"
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
