/**
 * The HTTP contract of Sent (`/work/shared/API.md`): every endpoint, its payloads, answers and errors.
 * Clients import it without the server (`HttpApiClient.make(Api.SentApi)`); `Server` implements it.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { AdminApi } from "./admin/Api.js"
import { BalanceApi } from "./balance/Api.js"
import { ContactsApi } from "./contacts/Api.js"
import * as ErrorEnvelope from "./ErrorEnvelope.js"
import { MessagesApi } from "./messages/Api.js"
import { ProviderCallbacksApi } from "./providerCallbacks/Api.js"
import { SystemApi } from "./system/Api.js"
import { TemplatesApi } from "./templates/Api.js"
import { WebhooksApi } from "./webhooks/Api.js"

export { AdminApi, BalanceApi, ContactsApi, MessagesApi, ProviderCallbacksApi, SystemApi, TemplatesApi, WebhooksApi }

/** The whole API. Errors every endpoint can answer (bad input, body limits, unknown routes) are declared once here. */
export class SentApi extends HttpApi.make("sent")
  .add(MessagesApi)
  .add(ContactsApi)
  .add(TemplatesApi)
  .add(BalanceApi)
  .add(WebhooksApi)
  .add(AdminApi)
  .add(ProviderCallbacksApi)
  .add(SystemApi)
  .addError(ErrorEnvelope.ValidationFailed)
  .addError(ErrorEnvelope.NotFound)
  .addError(ErrorEnvelope.PayloadTooLargeEnvelope)
  .addError(ErrorEnvelope.UnsupportedMediaTypeEnvelope)
  .addError(ErrorEnvelope.Internal)
  .annotate(OpenApi.Title, "Sent")
  .annotate(OpenApi.Description, "Templated SMS and WhatsApp messages, tracked from queued to delivered, priced against a balance.")
  .annotate(OpenApi.Version, "1.0.0")
{}
