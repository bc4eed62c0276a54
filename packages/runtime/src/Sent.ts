/**
 * The Promise facade, for hosts that do not use Effect: `createSent(...)` builds the whole library on a
 * `ManagedRuntime` and returns plain async methods. Failures reject with Sent's own error objects
 * (`error.code` is the stable code, e.g. `INSUFFICIENT_BALANCE`), not with Effect wrappers.
 */
import {
  Accounts,
  ContactBook,
  type Ids,
  Messaging,
  type Money,
  type Provider,
  type RateCard,
  type Storage,
  TemplateCatalog
} from "@sent/core"
import { Live, Simulated } from "@sent/providers"
import { Postgres, Sqlite } from "@sent/sql"
import { WebhookEndpoints } from "@sent/webhooks"
import { Cause, Effect, Exit, Layer, ManagedRuntime } from "effect"
import * as SentLayer from "./SentLayer.js"

/** Where Sent keeps its data. */
export type Database =
  | { readonly sqlite: string }
  | { readonly postgres: string }
  | { readonly layer: Layer.Layer<SentLayer.StoragePorts> }

/** Which providers carry the messages. */
export type Providers =
  | "simulated"
  | { readonly simulated: { readonly delayMillis?: number | undefined } }
  | "live"
  | { readonly layer: Layer.Layer<Provider.Providers, never, Provider.InboundReports> }

/** What `createSent` takes. */
export interface SentOptions extends SentLayer.Options {
  /** Default: an SQLite file at `./data/sent.db`. */
  readonly database?: Database | undefined
  /** Default: the simulated provider. */
  readonly providers?: Providers | undefined
}

const storeLayer = (database: Database | undefined): Layer.Layer<SentLayer.StoragePorts, unknown> => {
  if (database === undefined) return Sqlite.layer({ filename: "./data/sent.db" })
  if ("sqlite" in database) return Sqlite.layer({ filename: database.sqlite })
  if ("postgres" in database) return Postgres.layer({ url: database.postgres })
  return database.layer
}

const providersLayer = (
  providers: Providers | undefined
): Layer.Layer<Provider.Providers, unknown, Provider.InboundReports> => {
  if (providers === undefined || providers === "simulated") return Simulated.layer()
  if (providers === "live") return Live.layerConfig
  if ("simulated" in providers) return Simulated.layer(providers.simulated)
  return providers.layer
}

/** Builds Sent and returns its Promise API. Call `close()` to stop its workers and release the store. */
export const createSent = async (options: SentOptions = {}) => {
  // A Promise host has no way to plug in a tracer, so spans would only cost time on every call. Provided,
  // not merged: the workers' fibers, forked while the layer is built, must get the setting too.
  const runtime = ManagedRuntime.make(
    SentLayer.layer(storeLayer(options.database), providersLayer(options.providers), options).pipe(
      Layer.provide(Layer.setTracerEnabled(false))
    )
  )
  const run = async <A, E>(effect: Effect.Effect<A, E, SentLayer.Services>): Promise<A> => {
    const exit = await runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    throw Cause.squash(exit.cause)
  }
  await runtime.runtime()

  const page = (input: { limit?: number | undefined; cursor?: string | undefined } = {}): Storage.PageRequest => ({
    limit: input.limit ?? 50,
    cursor: input.cursor
  })

  return {
    customers: {
      /** Creates a customer; its API key is shown only here. */
      create: (name: string) => run(Effect.flatMap(Accounts.Accounts, (a) => a.createCustomer(name))),
      issueApiKey: (customerId: Ids.CustomerId) => run(Effect.flatMap(Accounts.Accounts, (a) => a.issueApiKey(customerId))),
      authenticate: (apiKey: string) => run(Effect.flatMap(Accounts.Accounts, (a) => a.authenticate(apiKey))),
      /** Credits the balance with an amount in micro-units (1 USD = 1,000,000). */
      topUp: (customerId: Ids.CustomerId, amount: Money.Micros) =>
        run(Effect.flatMap(Accounts.Accounts, (a) => a.topUp(customerId, amount))),
      balance: (customerId: Ids.CustomerId) => run(Effect.flatMap(Accounts.Accounts, (a) => a.balance(customerId))),
      ledger: (customerId: Ids.CustomerId, request?: { limit?: number; cursor?: string }) =>
        run(Effect.flatMap(Accounts.Accounts, (a) => a.ledger(customerId, page(request))))
    },
    rates: {
      list: () => run(Effect.flatMap(Accounts.Accounts, (a) => a.rates)),
      set: (rows: ReadonlyArray<RateCard.Rate>) => run(Effect.flatMap(Accounts.Accounts, (a) => a.setRates(rows)))
    },
    contacts: {
      create: (customerId: Ids.CustomerId, input: { phoneNumber: string; name?: string }) =>
        run(Effect.flatMap(ContactBook.ContactBook, (c) => c.create(customerId, input))),
      get: (customerId: Ids.CustomerId, id: Ids.ContactId) =>
        run(Effect.flatMap(ContactBook.ContactBook, (c) => c.get(customerId, id))),
      list: (customerId: Ids.CustomerId, request?: { limit?: number; cursor?: string }) =>
        run(Effect.flatMap(ContactBook.ContactBook, (c) => c.list(customerId, page(request)))),
      delete: (customerId: Ids.CustomerId, id: Ids.ContactId) =>
        run(Effect.flatMap(ContactBook.ContactBook, (c) => c.delete(customerId, id)))
    },
    templates: {
      create: (customerId: Ids.CustomerId, input: TemplateCatalog.NewTemplate) =>
        run(Effect.flatMap(TemplateCatalog.TemplateCatalog, (t) => t.create(customerId, input))),
      get: (customerId: Ids.CustomerId, id: Ids.TemplateId) =>
        run(Effect.flatMap(TemplateCatalog.TemplateCatalog, (t) => t.get(customerId, id))),
      list: (customerId: Ids.CustomerId, request?: { limit?: number; cursor?: string }) =>
        run(Effect.flatMap(TemplateCatalog.TemplateCatalog, (t) => t.list(customerId, page(request)))),
      delete: (customerId: Ids.CustomerId, id: Ids.TemplateId) =>
        run(Effect.flatMap(TemplateCatalog.TemplateCatalog, (t) => t.delete(customerId, id)))
    },
    messages: {
      /** Sends a message; resolves with it as committed (`queued`). */
      send: (customerId: Ids.CustomerId, request: Messaging.SendRequest, options?: { idempotencyKey?: string }) =>
        run(Effect.map(
          Effect.flatMap(Messaging.Messaging, (m) => m.send(customerId, request, options?.idempotencyKey)),
          (result) => result.message
        )),
      get: (customerId: Ids.CustomerId, id: Ids.MessageId) =>
        run(Effect.flatMap(Messaging.Messaging, (m) => m.get(customerId, id))),
      list: (
        customerId: Ids.CustomerId,
        request: Storage.MessageFilter & { limit?: number; cursor?: string } = {}
      ) => run(Effect.flatMap(Messaging.Messaging, (m) => m.list(customerId, request, page(request)))),
      preview: (customerId: Ids.CustomerId, templateId: Ids.TemplateId, request: Messaging.PreviewRequest) =>
        run(Effect.flatMap(Messaging.Messaging, (m) => m.preview(customerId, templateId, request)))
    },
    webhooks: {
      create: (customerId: Ids.CustomerId, input: { url: string; eventTypes?: ReadonlyArray<"message.status.updated"> }) =>
        run(Effect.flatMap(WebhookEndpoints.WebhookEndpoints, (w) => w.create(customerId, input)))
    },
    /** The runtime behind these methods, for Effect code on the same Sent (e.g. serving its HTTP API). */
    runtime,
    /** Stops the workers (letting jobs in flight finish) and closes the store. */
    close: () => runtime.dispose()
  }
}

/** The object `createSent` resolves to. */
export type Sent = Awaited<ReturnType<typeof createSent>>
