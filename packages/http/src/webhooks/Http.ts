/** The Webhooks handlers, over `WebhookEndpoints`. */
import { HttpApiBuilder } from "@effect/platform"
import { Ids } from "@sent/core"
import { WebhookEndpoints } from "@sent/webhooks"
import { Effect } from "effect"
import { SentApi } from "../Api.js"
import { CurrentCustomer } from "../Auth.js"
import * as Lists from "../Lists.js"
import * as PathIds from "../PathIds.js"

const webhookId = PathIds.parse(Ids.WebhookId, "webhook")

/** The Webhooks group implemented. */
export const layer = HttpApiBuilder.group(SentApi, "webhooks", (handlers) =>
  Effect.map(WebhookEndpoints.WebhookEndpoints, (webhooks) => {
    const withId = <A, E>(id: string, f: (customerId: Ids.CustomerId, id: Ids.WebhookId) => Effect.Effect<A, E>) =>
      Effect.flatMap(CurrentCustomer, (customer) => Effect.flatMap(webhookId(id), (parsed) => f(customer.id, parsed)))
    return handlers
      .handle("create", ({ payload }) => Effect.flatMap(CurrentCustomer, (customer) => webhooks.create(customer.id, payload)))
      .handle("list", ({ urlParams }) => Effect.flatMap(CurrentCustomer, (customer) => webhooks.list(customer.id, Lists.pageRequest(urlParams))))
      .handle("get", ({ path }) => withId(path.id, webhooks.get))
      .handle("delete", ({ path }) => withId(path.id, webhooks.delete))
      .handle("rotateSecret", ({ path }) => withId(path.id, webhooks.rotateSecret))
      .handle("test", ({ path }) => withId(path.id, webhooks.test))
      .handle("deliveries", ({ path, urlParams }) => withId(path.id, (customerId, id) => webhooks.deliveries(customerId, id, Lists.pageRequest(urlParams))))
      .handle("replay", ({ path, payload }) =>
        withId(path.id, (customerId, id) =>
          payload.eventId !== undefined
            ? webhooks.replayEvent(customerId, id, payload.eventId)
            : webhooks.replay(customerId, id, payload)))
  }))
