/** The Templates handlers, over the `TemplateCatalog` (and `Messaging` for previews). */
import { HttpApiBuilder } from "@effect/platform"
import { Ids, Messaging, TemplateCatalog } from "@sent/core"
import { Effect } from "effect"
import { SentApi } from "../Api.js"
import { CurrentCustomer } from "../Auth.js"
import * as Lists from "../Lists.js"
import * as PathIds from "../PathIds.js"

const templateId = PathIds.parse(Ids.TemplateId, "template")

/** The Templates group implemented. */
export const layer = HttpApiBuilder.group(SentApi, "templates", (handlers) =>
  Effect.gen(function*() {
    const catalog = yield* TemplateCatalog.TemplateCatalog
    const messaging = yield* Messaging.Messaging
    return handlers
      .handle("create", ({ payload }) => Effect.flatMap(CurrentCustomer, (customer) => catalog.create(customer.id, payload)))
      .handle("get", ({ path }) =>
        Effect.flatMap(CurrentCustomer, (customer) => Effect.flatMap(templateId(path.id), (id) => catalog.get(customer.id, id))))
      .handle("list", ({ urlParams }) => Effect.flatMap(CurrentCustomer, (customer) => catalog.list(customer.id, Lists.pageRequest(urlParams))))
      .handle("delete", ({ path }) =>
        Effect.flatMap(CurrentCustomer, (customer) =>
          Effect.flatMap(templateId(path.id), (id) => catalog.delete(customer.id, id))))
      .handle("preview", ({ path, payload }) =>
        Effect.flatMap(CurrentCustomer, (customer) =>
          Effect.flatMap(templateId(path.id), (id) => messaging.preview(customer.id, id, payload))))
  }))
