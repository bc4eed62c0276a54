/**
 * Provider callbacks: no API key — each is checked against its provider's signature instead. Bodies are
 * taken raw (Twilio signs its form fields, Meta the exact JSON bytes), so these endpoints declare no
 * payload schema.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import * as ErrorEnvelope from "../ErrorEnvelope.js"

/** The query of Meta's subscription handshake. */
export const WhatsAppHandshake = Schema.Struct({
  "hub.mode": Schema.optional(Schema.String),
  "hub.verify_token": Schema.optional(Schema.String),
  "hub.challenge": Schema.optional(Schema.String)
})

const Received = HttpApiSchema.Empty(200).annotations({ description: "Received (also for a message not known yet)" })

/** The provider callback endpoints. */
export class ProviderCallbacksApi extends HttpApiGroup.make("providerCallbacks")
  .add(
    HttpApiEndpoint.post("twilioStatus", "/providers/twilio/status")
      .addSuccess(Received)
      .addError(ErrorEnvelope.Unauthorized)
      .addError(ErrorEnvelope.ValidationFailed)
      .annotate(OpenApi.Summary, "Twilio StatusCallback (form-encoded, checked against X-Twilio-Signature)")
  )
  .add(
    HttpApiEndpoint.get("whatsappVerify", "/providers/whatsapp/webhook")
      .setUrlParams(WhatsAppHandshake)
      .addSuccess(HttpApiSchema.Text())
      .addError(ErrorEnvelope.Unauthorized)
      .addError(ErrorEnvelope.ValidationFailed)
      .annotate(OpenApi.Summary, "Meta's webhook subscription handshake; answers hub.challenge")
  )
  .add(
    HttpApiEndpoint.post("whatsappStatus", "/providers/whatsapp/webhook")
      .addSuccess(Received)
      .addError(ErrorEnvelope.Unauthorized)
      .addError(ErrorEnvelope.ValidationFailed)
      .annotate(OpenApi.Summary, "Meta status notifications (checked against X-Hub-Signature-256)")
  )
  .annotate(OpenApi.Title, "Provider callbacks")
{}
