/** The operator's group: customers, their API keys, top-ups and the rate card. */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Customer, Ids, Money, RateCard } from "@sent/core"
import { Schema } from "effect"
import { AdminAuthentication } from "../Auth.js"
import * as ErrorEnvelope from "../ErrorEnvelope.js"
import { IdPath } from "../PathIds.js"

/** The body of `POST /admin/customers`. */
export const CreateCustomer = Schema.Struct({ name: Schema.String }).annotations({ identifier: "CreateCustomer" })

/** A new customer and its first API key, shown only here. */
export const CreatedCustomer = Schema.Struct({
  id: Ids.CustomerId,
  name: Schema.String,
  apiKey: Schema.String
}).annotations({ identifier: "CreatedCustomer" })

/** A new API key, shown only here. */
export const IssuedApiKey = Schema.Struct({ apiKey: Schema.String }).annotations({ identifier: "IssuedApiKey" })

/** The body of a top-up: a positive amount with at most six decimals. */
export const TopUp = Schema.Struct({ amount: Money.Amount }).annotations({ identifier: "TopUp" })

/** The whole rate card. */
export const RateCardPage = Schema.Struct({ data: Schema.Array(RateCard.Rate) }).annotations({ identifier: "RateCard" })

/** The operator endpoints. */
export class AdminApi extends HttpApiGroup.make("admin")
  .add(
    HttpApiEndpoint.post("createCustomer", "/admin/customers")
      .setPayload(CreateCustomer)
      .addSuccess(CreatedCustomer, { status: 201 })
      .annotate(OpenApi.Summary, "Create a customer with its first API key")
  )
  .add(
    HttpApiEndpoint.post("issueApiKey", "/admin/customers/:id/api-keys")
      .setPath(IdPath)
      .addSuccess(IssuedApiKey, { status: 201 })
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Issue another API key to a customer")
  )
  .add(
    HttpApiEndpoint.post("topUp", "/admin/customers/:id/top-up")
      .setPath(IdPath)
      .setPayload(TopUp)
      .addSuccess(Customer.Balance)
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Top up a customer's balance")
  )
  .add(
    HttpApiEndpoint.put("setRates", "/admin/rates")
      .setPayload(Schema.Array(RateCard.Rate))
      .addSuccess(RateCardPage)
      .annotate(OpenApi.Summary, "Merge rows into the rate card; answers the whole card")
  )
  .middleware(AdminAuthentication)
  .annotate(OpenApi.Title, "Operator")
{}
