/**
 * A Meta WhatsApp Cloud API adapter: sends template messages (Bearer token, JSON) and turns status
 * webhooks, once their `X-Hub-Signature-256` is verified, into status reports. The base URL is configurable,
 * so a compatible server (a test fake included) can stand in for `graph.facebook.com`.
 *
 * Meta cannot be asked whether a number has WhatsApp; a send to one that has not fails with 131026, at
 * send time or, more often, in a later `failed` status webhook.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Provider } from "@sent/core"
import { Config, type ConfigError, Context, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"
import { CallbackRejected, fromParseError, MalformedCallback } from "./internal/callbackErrors.js"
import { whatsappError } from "./internal/errorCodes.js"
import { exchange, isRecord, rejectAnswer, unreadableSuccess, type Answer } from "./internal/http.js"

/** The provider name WhatsApp message ids (`wamid.…`) are scoped by. */
export const name = "whatsapp"

/** The business phone number and credentials the adapter sends with. */
export interface WhatsAppConfig {
  /** `https://graph.facebook.com`, or a compatible server. */
  readonly baseUrl: string
  /** The Graph API version, such as `v21.0`. */
  readonly apiVersion: string
  readonly phoneNumberId: string
  readonly accessToken: Redacted.Redacted
  /** The language the templates are approved in, such as `en_US`. */
  readonly languageCode: string
}

/** The WhatsApp Cloud API provider. */
export class WhatsApp extends Context.Tag("@sent/providers/WhatsApp")<WhatsApp, Provider.ChannelProvider>() {}

/** The JSON body of a template send. */
const templateMessage = (request: Provider.SendRequest, languageCode: string) => ({
  messaging_product: "whatsapp",
  // Meta takes the number without the leading `+`.
  to: request.to.slice(1),
  type: "template",
  template: {
    name: request.template.name,
    language: { code: languageCode },
    ...(request.template.parameters.length === 0
      ? {}
      : {
          components: [
            { type: "body", parameters: request.template.parameters.map((text) => ({ type: "text", text })) }
          ]
        })
  }
})

const SendResponse = Schema.Struct({
  messages: Schema.NonEmptyArray(Schema.Struct({ id: Schema.NonEmptyString }))
})
const decodeSendResponse = Schema.decodeUnknownEither(SendResponse)

/** The `error` object of a Graph API error answer. */
const GraphError = Schema.Struct({
  code: Schema.Number,
  message: Schema.optional(Schema.String),
  error_data: Schema.optional(Schema.Struct({ details: Schema.optional(Schema.String) }))
})
const decodeGraphError = Schema.decodeUnknownOption(Schema.Struct({ error: GraphError }))

const interpret = (answer: Answer): Either.Either<Provider.Accepted, Provider.ProviderRejected> => {
  if (answer.status >= 200 && answer.status < 300) {
    return decodeSendResponse(answer.body).pipe(
      Either.mapLeft(() => unreadableSuccess("WhatsApp", answer)),
      Either.map((response) => ({
        providerMessageId: response.messages[0].id,
        channelResponse: isRecord(answer.body) ? answer.body : {}
      }))
    )
  }
  const error = Option.match(decodeGraphError(answer.body), {
    onNone: () => ({
      code: `HTTP_${answer.status}`,
      message: `WhatsApp answered HTTP ${answer.status}`,
      permanent: true
    }),
    onSome: ({ error }) => {
      const known = whatsappError(String(error.code), { message: `WhatsApp error ${error.code}`, permanent: true })
      return { ...known, message: error.error_data?.details ?? error.message ?? known.message }
    }
  })
  return Either.left(rejectAnswer(answer, error))
}

/** The adapter for one business phone number. */
export const make = (config: WhatsAppConfig): Effect.Effect<Provider.ChannelProvider, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    // Trace headers are internal: they are not sent to a third party.
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))
    const base = config.baseUrl.replace(/\/+$/, "")
    const url = `${base}/${config.apiVersion}/${encodeURIComponent(config.phoneNumberId)}/messages`
    const send = (request: Provider.SendRequest) =>
      exchange(
        client,
        HttpClientRequest.post(url).pipe(
          HttpClientRequest.bearerToken(config.accessToken),
          HttpClientRequest.acceptJson,
          HttpClientRequest.bodyUnsafeJson(templateMessage(request, config.languageCode))
        ),
        "WhatsApp",
        interpret
      )
    return { name, send }
  })

/** The adapter as a layer, given its configuration. */
export const layer = (config: WhatsAppConfig): Layer.Layer<WhatsApp, never, HttpClient.HttpClient> =>
  Layer.effect(WhatsApp, make(config))

/**
 * The configuration from `WHATSAPP_BASE_URL` (default `https://graph.facebook.com`), `WHATSAPP_API_VERSION`
 * (default `v21.0`), `WHATSAPP_PHONE_NUMBER_ID`, `WHATSAPP_ACCESS_TOKEN` and `WHATSAPP_LANGUAGE_CODE`
 * (default `en_US`).
 */
export const config: Config.Config<WhatsAppConfig> = Config.all({
  baseUrl: Config.nonEmptyString("WHATSAPP_BASE_URL").pipe(Config.withDefault("https://graph.facebook.com")),
  apiVersion: Config.nonEmptyString("WHATSAPP_API_VERSION").pipe(Config.withDefault("v21.0")),
  phoneNumberId: Config.nonEmptyString("WHATSAPP_PHONE_NUMBER_ID"),
  accessToken: Config.redacted(Config.nonEmptyString("WHATSAPP_ACCESS_TOKEN")),
  languageCode: Config.nonEmptyString("WHATSAPP_LANGUAGE_CODE").pipe(Config.withDefault("en_US"))
})

/** The adapter configured from the environment (see `config`). */
export const layerConfig: Layer.Layer<WhatsApp, ConfigError.ConfigError, HttpClient.HttpClient> =
  Layer.unwrapEffect(Effect.map(config, layer))

/** The `X-Hub-Signature-256` of a webhook body: `sha256=` and the hex HMAC-SHA256 of the raw body. */
export const sign = (rawBody: string | Uint8Array, appSecret: Redacted.Redacted): string =>
  `sha256=${createHmac("sha256", Redacted.value(appSecret)).update(rawBody).digest("hex")}`

/** Whether a webhook's `X-Hub-Signature-256` is Meta's, compared in constant time; a missing one is not. */
export const verifySignature = (
  rawBody: string | Uint8Array,
  header: string | undefined,
  appSecret: Redacted.Redacted
): boolean => {
  const hex = header?.startsWith("sha256=") ? header.slice("sha256=".length) : undefined
  if (hex === undefined || !/^[0-9a-fA-F]{64}$/.test(hex)) return false
  const expected = Buffer.from(sign(rawBody, appSecret).slice("sha256=".length), "hex")
  return timingSafeEqual(Buffer.from(hex, "hex"), expected)
}

/**
 * The answer to Meta's subscription check (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`):
 * the challenge when the token is ours.
 */
export const verifyHandshake = (
  query: Readonly<Record<string, string | undefined>>,
  verifyToken: Redacted.Redacted
): Either.Either<string, CallbackRejected | MalformedCallback> => {
  const given = Buffer.from(query["hub.verify_token"] ?? "", "utf8")
  const expected = Buffer.from(Redacted.value(verifyToken), "utf8")
  const tokenMatches = given.length === expected.length && timingSafeEqual(given, expected)
  if (query["hub.mode"] !== "subscribe" || !tokenMatches) {
    return Either.left(
      new CallbackRejected({ message: "The WhatsApp subscription check is not for this verify token" })
    )
  }
  const challenge = query["hub.challenge"]
  return challenge === undefined || challenge === ""
    ? Either.left(new MalformedCallback({ message: "The WhatsApp subscription check has no hub.challenge" }))
    : Either.right(challenge)
}

/** A unix time in seconds, as Meta writes it (a string of digits). */
const UnixSeconds = Schema.Union(Schema.NumberFromString, Schema.Number).pipe(
  Schema.compose(Schema.Int),
  Schema.nonNegative()
)

const StatusError = Schema.Struct({
  code: Schema.Number,
  title: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  error_data: Schema.optional(Schema.Struct({ details: Schema.optional(Schema.String) }))
})

/** One status notification; its other fields (`pricing`, `conversation`, ...) are kept as they came. */
const Status = Schema.Struct(
  {
    id: Schema.NonEmptyString,
    status: Schema.String,
    timestamp: Schema.Union(Schema.String, Schema.Number),
    errors: Schema.optional(Schema.Array(StatusError))
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

const Notification = Schema.Struct({
  object: Schema.Literal("whatsapp_business_account"),
  entry: Schema.Array(
    Schema.Struct({
      changes: Schema.Array(Schema.Struct({ field: Schema.String, value: Schema.Unknown }))
    })
  )
}).annotations({ identifier: "WhatsAppNotification" })

const MessagesValue = Schema.Struct({ statuses: Schema.optional(Schema.Array(Status)) })

const decodeNotification = Schema.decodeUnknownEither(Notification)
const decodeMessagesValue = Schema.decodeUnknownEither(MessagesValue)
const decodeUnixSeconds = Schema.decodeUnknownEither(UnixSeconds)

const isReported = (status: string): status is Provider.InboundReport["report"]["status"] =>
  status === "sent" || status === "delivered" || status === "read" || status === "failed"

const toReport = (
  status: typeof Status.Type,
  path: string
): Either.Either<Option.Option<Provider.InboundReport>, MalformedCallback> => {
  // Statuses Meta may add (`deleted`, `warning`, ...) are skipped: refusing the batch would make Meta
  // redeliver it for days without making them meaningful.
  if (!isReported(status.status)) return Either.right(Option.none())
  const reported = status.status
  return decodeUnixSeconds(status.timestamp).pipe(
    Either.mapLeft((error) => fromParseError(`The WhatsApp status ${path}.timestamp`, error)),
    Either.map((seconds) => {
      const [first] = status.errors ?? []
      const error =
        reported !== "failed" || first === undefined
          ? undefined
          : {
              ...whatsappError(String(first.code), { message: `WhatsApp error ${first.code}`, permanent: true }),
              ...describe(first)
            }
      return Option.some({
        provider: name,
        providerMessageId: status.id,
        report: { status: reported, timestamp: new Date(seconds * 1000), channelResponse: { ...status }, error }
      })
    })
  )
}

/** Meta's own words for an error, preferred over Sent's generic description of its code. */
const describe = (error: typeof StatusError.Type): { readonly message: string } | Record<string, never> => {
  const message = error.error_data?.details ?? error.message ?? error.title
  return message === undefined || message === "" ? {} : { message }
}

/**
 * Every status report in a webhook notification, in order: notifications batch
 * `entry[].changes[].value.statuses[]`. Changes other than `messages`, and messages without statuses
 * (incoming messages), carry no report.
 */
export const parseStatusWebhook = (
  json: unknown
): Either.Either<ReadonlyArray<Provider.InboundReport>, MalformedCallback> =>
  Either.gen(function* () {
    const notification = yield* Either.mapLeft(decodeNotification(json), (e) =>
      fromParseError("The WhatsApp webhook", e)
    )
    const reports: Array<Provider.InboundReport> = []
    for (const [e, entry] of notification.entry.entries()) {
      for (const [c, change] of entry.changes.entries()) {
        if (change.field !== "messages") continue
        const path = `entry.${e}.changes.${c}.value`
        const value = yield* Either.mapLeft(decodeMessagesValue(change.value), (error) =>
          fromParseError(`The WhatsApp webhook's ${path}`, error)
        )
        for (const [s, status] of (value.statuses ?? []).entries()) {
          const report = yield* toReport(status, `${path}.statuses.${s}`)
          if (Option.isSome(report)) reports.push(report.value)
        }
      }
    }
    return reports
  })
