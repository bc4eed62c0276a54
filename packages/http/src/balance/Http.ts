/** The Balance handlers, over `Accounts`. */
import { HttpApiBuilder } from "@effect/platform"
import { Accounts } from "@sent/core"
import { Effect } from "effect"
import { SentApi } from "../Api.js"
import { CurrentCustomer } from "../Auth.js"
import * as Lists from "../Lists.js"

/** The Balance group implemented. */
export const layer = HttpApiBuilder.group(SentApi, "balance", (handlers) =>
  Effect.map(Accounts.Accounts, (accounts) =>
    handlers
      .handle("balance", () => Effect.flatMap(CurrentCustomer, (customer) => accounts.balance(customer.id)))
      .handle("ledger", ({ urlParams }) => Effect.flatMap(CurrentCustomer, (customer) => accounts.ledger(customer.id, Lists.pageRequest(urlParams))))
  ))
