/** The Messages handlers, over `Messaging`. */
import { HttpApiBuilder } from "@effect/platform"
import { Ids, Messaging } from "@sent/core"
import { Effect } from "effect"
import { SentApi } from "../Api.js"
import { CurrentCustomer } from "../Auth.js"
import * as Lists from "../Lists.js"
import * as PathIds from "../PathIds.js"

const messageId = PathIds.parse(Ids.MessageId, "message")

/** The Messages group implemented. */
export const layer = HttpApiBuilder.group(SentApi, "messages", (handlers) =>
  Effect.map(Messaging.Messaging, (messaging) =>
    handlers
      .handle("send", ({ headers, payload }) =>
        Effect.flatMap(CurrentCustomer, (customer) =>
          Effect.map(messaging.send(customer.id, payload, headers["idempotency-key"]), (sent) => sent.message)))
      .handle("get", ({ path }) =>
        Effect.flatMap(CurrentCustomer, (customer) =>
          Effect.flatMap(messageId(path.id), (id) => messaging.get(customer.id, id))))
      .handle("list", ({ urlParams: { cursor, limit, ...filter } }) =>
        Effect.flatMap(CurrentCustomer, (customer) => messaging.list(customer.id, filter, Lists.pageRequest({ limit, cursor }))))
  ))
