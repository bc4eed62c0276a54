/** The Templates group: create, read, list, delete templates, and preview a render. */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Channel, Money, SmsEncoding, Template } from "@sent/core"
import { Schema } from "effect"
import { Authentication } from "../Auth.js"
import * as ErrorEnvelope from "../ErrorEnvelope.js"
import * as Lists from "../Lists.js"
import { IdPath } from "../PathIds.js"

/** The body of `POST /v1/templates`. Variables are written `{{name}}` in the body. */
export const CreateTemplate = Schema.Struct({
  name: Schema.String,
  body: Schema.String.annotations({ description: "The text, with {{variable}} placeholders" }),
  category: Schema.optionalWith(Template.Category, { nullable: true, exact: true }),
  channels: Schema.optionalWith(Schema.Array(Channel.Channel), { nullable: true, exact: true }).annotations({
    description: "The channels it may go out on (default both)"
  })
}).annotations({ identifier: "CreateTemplate" })

/** The body of `POST /v1/templates/{id}/preview`. */
export const PreviewRequest = Schema.Struct({
  templateVariables: Schema.optionalWith(Template.TemplateVariables, { nullable: true, exact: true }),
  phoneNumber: Schema.optionalWith(Schema.String, { nullable: true, exact: true }),
  channel: Schema.optionalWith(Channel.Channel, { nullable: true, exact: true })
}).annotations({ identifier: "PreviewRequest" })

/** A render as a send would make it, with its encoding, segments and estimated price. */
export const Preview = Schema.Struct({
  messageBody: Schema.String,
  channel: Channel.Channel,
  encoding: SmsEncoding.Encoding,
  segments: Schema.Int,
  estimatedPrice: Money.Amount,
  currency: Money.Currency
}).annotations({ identifier: "Preview" })

/** The Templates endpoints. */
export class TemplatesApi extends HttpApiGroup.make("templates")
  .add(
    HttpApiEndpoint.post("create", "/v1/templates")
      .setPayload(CreateTemplate)
      .addSuccess(Template.Template, { status: 201 })
      .annotate(OpenApi.Summary, "Create a template")
  )
  .add(
    HttpApiEndpoint.get("get", "/v1/templates/:id")
      .setPath(IdPath)
      .addSuccess(Template.Template)
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Read a template")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/templates")
      .setUrlParams(Lists.ListParams)
      .addSuccess(Lists.Page(Template.Template))
      .annotate(OpenApi.Summary, "List templates, newest first")
  )
  .add(
    HttpApiEndpoint.del("delete", "/v1/templates/:id")
      .setPath(IdPath)
      .addSuccess(HttpApiSchema.NoContent)
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Delete a template")
  )
  .add(
    HttpApiEndpoint.post("preview", "/v1/templates/:id/preview")
      .setPath(IdPath)
      .setPayload(PreviewRequest)
      .addSuccess(Preview)
      .addError(ErrorEnvelope.NotFound)
      .addError(ErrorEnvelope.InvalidPhoneNumber)
      .addError(ErrorEnvelope.ChannelUnavailable)
      .addError(ErrorEnvelope.TemplateVariablesMissing)
      .annotate(OpenApi.Summary, "Preview a render: body, channel, encoding, segments and price")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Templates")
{}
