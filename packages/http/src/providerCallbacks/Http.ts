/**
 * The provider callback handlers: bodies are read raw and handed to `ProviderCallbacks`, which checks
 * the signature, parses and ingests. Its refusals answer in the envelope like every other error.
 */
import { HttpApiBuilder, type HttpServerRequest } from "@effect/platform"
import { Errors } from "@sent/core"
import { Callbacks } from "@sent/providers"
import { Effect } from "effect"
import { SentApi } from "../Api.js"

const refused = (error: Callbacks.CallbackRejected | Callbacks.MalformedCallback): Errors.Unauthorized | Errors.ValidationFailed =>
  error._tag === "CallbackRejected"
    ? new Errors.Unauthorized({ message: error.message })
    : new Errors.ValidationFailed({ message: error.message, details: [{ field: "body", message: error.message }] })

const unreadable = new Errors.ValidationFailed({
  message: "The callback body could not be read",
  details: [{ field: "body", message: "could not be read" }]
})

/** Form fields as Twilio signs them: one value per name (the first, should a name repeat). */
const formFields = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.map(Effect.mapError(request.urlParamsBody, () => unreadable), (params) => {
    const fields: Record<string, string> = {}
    for (const [name, value] of params) {
      if (!Object.hasOwn(fields, name)) fields[name] = value
    }
    return fields
  })

/** The provider callbacks group implemented. */
export const layer = HttpApiBuilder.group(SentApi, "providerCallbacks", (handlers) =>
  Effect.map(Callbacks.ProviderCallbacks, (callbacks) =>
    handlers
      .handleRaw("twilioStatus", ({ request }) =>
        Effect.flatMap(formFields(request), (params) =>
          Effect.mapError(callbacks.twilio({ params, signature: request.headers["x-twilio-signature"] }), refused)))
      .handleRaw("whatsappStatus", ({ request }) =>
        Effect.flatMap(Effect.mapError(request.arrayBuffer, () => unreadable), (body) =>
          Effect.mapError(
            callbacks.whatsapp({ rawBody: new Uint8Array(body), signature: request.headers["x-hub-signature-256"] }),
            refused
          )))
      .handle("whatsappVerify", ({ urlParams }) => Effect.mapError(callbacks.whatsappVerify(urlParams), refused))
  ))
