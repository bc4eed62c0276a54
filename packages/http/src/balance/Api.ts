/** The Balance group: the customer's balance and its ledger. */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Customer } from "@sent/core"
import { Authentication } from "../Auth.js"
import * as ErrorEnvelope from "../ErrorEnvelope.js"
import * as Lists from "../Lists.js"

/** The Balance endpoints. */
export class BalanceApi extends HttpApiGroup.make("balance")
  .add(
    HttpApiEndpoint.get("balance", "/v1/balance")
      .addSuccess(Customer.Balance)
      .annotate(OpenApi.Summary, "The balance")
  )
  .add(
    HttpApiEndpoint.get("ledger", "/v1/ledger")
      .setUrlParams(Lists.ListParams)
      .addSuccess(Lists.Page(Customer.LedgerEntry))
      .annotate(OpenApi.Summary, "The ledger: signed balance changes (credits positive), newest first")
  )
  // Authentication's errors, declared again so this module's type can name them.
  .addError(ErrorEnvelope.Unauthorized)
  .addError(ErrorEnvelope.RateLimited)
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Balance")
{}
