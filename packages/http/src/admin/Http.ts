/** The operator handlers, over `Accounts`. */
import { HttpApiBuilder } from "@effect/platform"
import { Accounts, Ids } from "@sent/core"
import { Effect } from "effect"
import { SentApi } from "../Api.js"
import * as PathIds from "../PathIds.js"

const customerId = PathIds.parse(Ids.CustomerId, "customer")

/** The operator group implemented. */
export const layer = HttpApiBuilder.group(SentApi, "admin", (handlers) =>
  Effect.map(Accounts.Accounts, (accounts) =>
    handlers
      .handle("createCustomer", ({ payload }) =>
        Effect.map(accounts.createCustomer(payload.name), ({ apiKey, customer }) => ({ id: customer.id, name: customer.name, apiKey })))
      .handle("issueApiKey", ({ path }) =>
        Effect.map(Effect.flatMap(customerId(path.id), accounts.issueApiKey), (apiKey) => ({ apiKey })))
      .handle("topUp", ({ path, payload }) => Effect.flatMap(customerId(path.id), (id) => accounts.topUp(id, payload.amount)))
      .handle("setRates", ({ payload }) => Effect.map(accounts.setRates(payload), (data) => ({ data })))
  ))
