/**
 * The customer-facing webhook operations the HTTP layer calls: endpoints (create, list, get, delete),
 * secret rotation, test events, the delivery log and replay. Every call is scoped to the customer; another
 * customer's endpoint is `NotFound`, exactly like one that does not exist.
 */
import { Errors, Ids, Storage, type Webhook } from "@sent/core"
import { Clock, Context, Duration, Effect, Layer, Option } from "effect"
import * as Events from "./Events.js"
import * as Signature from "./Signature.js"
import * as UrlPolicy from "./UrlPolicy.js"

/** What a new endpoint is created from. */
export interface CreateRequest {
  readonly url: string
  /** Defaults to every event type. */
  readonly eventTypes?: ReadonlyArray<Webhook.EventType> | undefined
}

/** The time range of a replay: events created in `[since, until)`; `until` defaults to now. */
export interface ReplayRequest {
  readonly since: Date
  readonly until?: Date | undefined
}

/** The webhook operations of one customer. */
export class WebhookEndpoints extends Context.Tag("@sent/webhooks/WebhookEndpoints")<
  WebhookEndpoints,
  {
    readonly create: (
      customerId: Ids.CustomerId,
      request: CreateRequest
    ) => Effect.Effect<Webhook.WebhookEndpoint, Errors.WebhookUrlForbidden | Errors.ValidationFailed>
    readonly list: (
      customerId: Ids.CustomerId,
      page: Storage.PageRequest
    ) => Effect.Effect<Storage.Page<Webhook.WebhookEndpoint>>
    readonly get: (customerId: Ids.CustomerId, id: Ids.WebhookId) => Effect.Effect<Webhook.WebhookEndpoint, Errors.NotFound>
    readonly delete: (customerId: Ids.CustomerId, id: Ids.WebhookId) => Effect.Effect<void, Errors.NotFound>
    /** A new current secret; the previous one keeps signing for the rotation's grace period. */
    readonly rotateSecret: (
      customerId: Ids.CustomerId,
      id: Ids.WebhookId
    ) => Effect.Effect<Webhook.WebhookEndpoint, Errors.NotFound>
    /** Queues a `webhook.test` event to the endpoint; returns its event id. */
    readonly test: (
      customerId: Ids.CustomerId,
      id: Ids.WebhookId
    ) => Effect.Effect<{ readonly eventId: Ids.EventId }, Errors.NotFound>
    readonly deliveries: (
      customerId: Ids.CustomerId,
      id: Ids.WebhookId,
      page: Storage.PageRequest
    ) => Effect.Effect<Storage.Page<Webhook.Delivery>, Errors.NotFound>
    readonly replay: (
      customerId: Ids.CustomerId,
      id: Ids.WebhookId,
      range: ReplayRequest
    ) => Effect.Effect<{ readonly replayed: number }, Errors.NotFound | Errors.ValidationFailed>
    /** Delivers one event again to an endpoint that was sent it before; `NotFound` for any other event. */
    readonly replayEvent: (
      customerId: Ids.CustomerId,
      id: Ids.WebhookId,
      eventId: Ids.EventId
    ) => Effect.Effect<{ readonly replayed: number }, Errors.NotFound>
  }
>() {}

/** How long a rotated-out secret keeps signing. */
export interface Options {
  readonly rotationGrace: Duration.DurationInput
}

/** Both secrets sign for 24 hours after a rotation. */
export const defaultOptions: Options = { rotationGrace: Duration.hours(24) }

const allEventTypes: ReadonlyArray<Webhook.EventType> = ["message.status.updated"]

const notFound = (id: string) => Errors.NotFound.of("webhook", id)

/** The service over the storage ports. */
export const make = (
  options: Options = defaultOptions
): Effect.Effect<
  WebhookEndpoints["Type"],
  never,
  Storage.Webhooks | Storage.Transactor | Storage.JobSignals | UrlPolicy.UrlPolicy
> =>
  Effect.gen(function* () {
    const webhooks = yield* Storage.Webhooks
    const transactor = yield* Storage.Transactor
    const signals = yield* Storage.JobSignals
    const policy = yield* UrlPolicy.UrlPolicy
    const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

    const get = (customerId: Ids.CustomerId, id: Ids.WebhookId) =>
      Effect.flatMap(webhooks.find(customerId, id), Option.match({
        onNone: () => Effect.fail(notFound(id)),
        onSome: Effect.succeed
      }))

    return WebhookEndpoints.of({
      create: (customerId, request) =>
        Effect.gen(function* () {
          const eventTypes = [...new Set(request.eventTypes ?? allEventTypes)]
          if (eventTypes.length === 0) {
            return yield* new Errors.ValidationFailed({
              message: "A webhook must subscribe to at least one event type",
              details: [{ field: "eventTypes", message: "must not be empty" }]
            })
          }
          yield* UrlPolicy.check(request.url).pipe(Effect.provideService(UrlPolicy.UrlPolicy, policy))
          const endpoint: Webhook.WebhookEndpoint = {
            id: yield* Ids.make(Ids.WebhookId),
            url: request.url,
            eventTypes,
            secret: yield* Signature.generateSecret,
            enabled: true,
            createdAt: yield* now
          }
          yield* webhooks.insert(customerId, endpoint)
          return endpoint
        }),
      list: webhooks.list,
      get,
      delete: (customerId, id) =>
        Effect.flatMap(webhooks.delete(customerId, id), (deleted) => (deleted ? Effect.void : Effect.fail(notFound(id)))),
      rotateSecret: (customerId, id) =>
        Effect.gen(function* () {
          const secret = yield* Signature.generateSecret
          const graceUntil = new Date((yield* now).getTime() + Duration.toMillis(options.rotationGrace))
          const rotated = yield* webhooks.rotateSecret(customerId, id, secret, graceUntil)
          return yield* Option.match(rotated, { onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed })
        }),
      test: (customerId, id) =>
        Effect.gen(function* () {
          yield* get(customerId, id)
          const event = yield* Events.test(customerId, id)
          yield* transactor.withTransaction(webhooks.emit(event, id))
          yield* signals.signal("webhooks")
          return { eventId: event.id }
        }),
      deliveries: (customerId, id, page) => Effect.zipRight(get(customerId, id), webhooks.deliveries(customerId, id, page)),
      replay: (customerId, id, range) =>
        Effect.gen(function* () {
          yield* get(customerId, id)
          const until = range.until ?? (yield* now)
          if (until.getTime() < range.since.getTime()) {
            return yield* new Errors.ValidationFailed({
              message: "`until` must not be before `since`",
              details: [{ field: "until", message: "must not be before since" }]
            })
          }
          const replayed = yield* webhooks.replay(customerId, id, range.since, until)
          if (replayed > 0) yield* signals.signal("webhooks")
          return { replayed }
        }),
      replayEvent: (customerId, id, eventId) =>
        Effect.gen(function* () {
          yield* get(customerId, id)
          const replayed = yield* webhooks.replayEvent(customerId, id, eventId)
          if (replayed === 0) {
            return yield* Errors.NotFound.of("event", eventId)
          }
          yield* signals.signal("webhooks")
          return { replayed }
        })
    })
  })

/** The service as a layer. */
export const layer = (
  options: Options = defaultOptions
): Layer.Layer<WebhookEndpoints, never, Storage.Webhooks | Storage.Transactor | Storage.JobSignals | UrlPolicy.UrlPolicy> =>
  Layer.effect(WebhookEndpoints, make(options))
