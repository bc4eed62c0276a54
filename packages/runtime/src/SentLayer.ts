/**
 * Sent composed into one layer: every service over a store and a set of providers, and (unless turned
 * off) the dispatch and webhook workers running for the layer's lifetime. Hosts and tests choose the
 * store and the providers; everything else is wired here, once.
 */
import {
  Accounts,
  ContactBook,
  Dispatcher,
  GroupCommit,
  Messaging,
  type Provider,
  StatusTracking,
  type Storage,
  TemplateCatalog
} from "@sent/core"
import { Dispatcher as WebhookDispatcher, Sender, UrlPolicy, WebhookEndpoints } from "@sent/webhooks"
import { Layer } from "effect"

/** Every storage port, as a store layer provides them. */
export type StoragePorts = Storage.Storage

/** The services a host calls. */
export type Services =
  | GroupCommit.GroupCommit
  | Accounts.Accounts
  | ContactBook.ContactBook
  | TemplateCatalog.TemplateCatalog
  | Messaging.Messaging
  | StatusTracking.StatusTracking
  | WebhookEndpoints.WebhookEndpoints
  | Provider.InboundReports
  | Dispatcher.Dispatcher

/** How the composed layer behaves. */
export interface Options {
  /** Run the dispatch and webhook workers in this process (default true). */
  readonly workers?: boolean | undefined
  readonly dispatcher?: Partial<Dispatcher.Options> | undefined
  readonly webhooks?: Partial<WebhookDispatcher.Options> | undefined
  /** Let webhook URLs point at loopback and private addresses (local use and tests). */
  readonly allowPrivateWebhooks?: boolean | undefined
}

/**
 * Sent over a store and providers. `providers` may require `InboundReports` (the simulated provider
 * does: its reports travel the same inbound path as real callbacks).
 */
export const layer = <E1, E2>(
  store: Layer.Layer<StoragePorts, E1>,
  providers: Layer.Layer<Provider.Providers, E2, Provider.InboundReports>,
  options: Options = {}
): Layer.Layer<Services | StoragePorts | Provider.Providers, E1 | E2> => {
  const committed = Layer.provideMerge(GroupCommit.GroupCommit.layer(), store)
  const tracking = Layer.provideMerge(StatusTracking.StatusTracking.layer, committed)
  const inbound = Layer.provideMerge(StatusTracking.StatusTracking.inboundReports, tracking)
  const withProviders = Layer.provideMerge(providers, inbound)
  const urlPolicy = UrlPolicy.layer({ allowPrivate: options.allowPrivateWebhooks ?? false })
  const services = Layer.mergeAll(
    Accounts.Accounts.layer,
    TemplateCatalog.TemplateCatalog.layer,
    Layer.provideMerge(Messaging.Messaging.layer, ContactBook.ContactBook.layer),
    Dispatcher.Dispatcher.layer(options.dispatcher),
    WebhookEndpoints.layer().pipe(Layer.provide(urlPolicy))
  ).pipe(Layer.provideMerge(withProviders))
  if (options.workers === false) return services
  const workers = Layer.mergeAll(
    Dispatcher.Dispatcher.worker(options.dispatcher),
    WebhookDispatcher.layer({ ...WebhookDispatcher.defaultOptions, ...options.webhooks }).pipe(Layer.provide(Sender.layer().pipe(Layer.provide(urlPolicy))))
  )
  return Layer.provideMerge(workers, services)
}
