/** The Messages group: send a templated message, read one, list them. */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Channel, Ids, Message, MessageStatus, Template } from "@sent/core"
import { Schema } from "effect"
import { Authentication } from "../Auth.js"
import * as ErrorEnvelope from "../ErrorEnvelope.js"
import * as Lists from "../Lists.js"
import { IdPath } from "../PathIds.js"

/** The body of `POST /v1/messages`: exactly one of `contactId` and `phoneNumber`. */
export const SendMessage = Schema.Struct({
  contactId: Schema.optionalWith(Ids.ContactId, { nullable: true, exact: true }),
  phoneNumber: Schema.optionalWith(Schema.String, { nullable: true, exact: true }).annotations({
    description: "An E.164 number (a leading + and the country code); resolved to a contact, created if new"
  }),
  templateId: Ids.TemplateId,
  templateVariables: Schema.optionalWith(Template.TemplateVariables, { nullable: true, exact: true }),
  channel: Schema.optionalWith(Channel.Channel, { nullable: true, exact: true })
}).annotations({ identifier: "SendMessage" })

/** The optional `Idempotency-Key` header of a send. */
export const SendHeaders = Schema.Struct({
  "idempotency-key": Schema.optional(
    Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)).annotations({
      description: "A repeat with the same key and body answers the first response and sends nothing more"
    })
  )
})

/** The filters and page of `GET /v1/messages`. */
export const MessageListParams = Schema.Struct({
  status: Schema.optional(MessageStatus.MessageStatus),
  channel: Schema.optional(Channel.Channel),
  contactId: Schema.optional(Ids.ContactId),
  ...Lists.PageParams
})

/** The Messages endpoints. */
export class MessagesApi extends HttpApiGroup.make("messages")
  .add(
    HttpApiEndpoint.post("send", "/v1/messages")
      .setPayload(SendMessage)
      .setHeaders(SendHeaders)
      .addSuccess(Message.Message, { status: 202 })
      .addError(ErrorEnvelope.InvalidPhoneNumber)
      .addError(ErrorEnvelope.InsufficientBalance)
      .addError(ErrorEnvelope.NotFound)
      .addError(ErrorEnvelope.IdempotencyConflict)
      .addError(ErrorEnvelope.ChannelUnavailable)
      .addError(ErrorEnvelope.TemplateVariablesMissing)
      .annotate(OpenApi.Summary, "Send a templated message")
  )
  .add(
    HttpApiEndpoint.get("get", "/v1/messages/:id")
      .setPath(IdPath)
      .addSuccess(Message.Message)
      .addError(ErrorEnvelope.NotFound)
      .annotate(OpenApi.Summary, "Read a message")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/messages")
      .setUrlParams(MessageListParams)
      .addSuccess(Lists.Page(Message.Message))
      .annotate(OpenApi.Summary, "List messages, newest first")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Messages")
{}
