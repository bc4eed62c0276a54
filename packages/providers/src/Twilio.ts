/**
 * A Twilio-compatible SMS adapter: sends through the Programmable Messaging REST API (form-encoded, Basic
 * auth) and turns its status callbacks, once their `X-Twilio-Signature` is verified, into status reports.
 * The base URL is configurable, so any server that speaks the API (a test fake included) can stand in.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Money, Provider } from "@sent/core"
import { Config, ConfigError, Context, Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"
import { MalformedCallback } from "./internal/callbackErrors.js"
import { optionalString } from "./internal/config.js"
import { twilioError } from "./internal/errorCodes.js"
import { exchange, isRecord, rejectAnswer, unreadableSuccess, type Answer } from "./internal/http.js"

/** The provider name Twilio's message ids are scoped by. */
export const name = "twilio"

/** Who the messages are from: a number (`From`), a Messaging Service, or both (the service picks the sender). */
export type Sender =
  | { readonly from: string; readonly messagingServiceSid?: string | undefined }
  | { readonly from?: string | undefined; readonly messagingServiceSid: string }

/** The account and endpoints the adapter sends with. */
export type TwilioConfig = Sender & {
  /** `https://api.twilio.com`, or a compatible server. */
  readonly baseUrl: string
  readonly accountSid: string
  readonly authToken: Redacted.Redacted
  /** Where Twilio posts status callbacks (`StatusCallback`); without it no reports come back. */
  readonly statusCallbackUrl?: string | undefined
}

/** The Twilio SMS provider. */
export class Twilio extends Context.Tag("@sent/providers/Twilio")<Twilio, Provider.ChannelProvider>() {}

/** The message resource fields Sent keeps as the send's channel response. */
const MessageResource = Schema.Struct({
  sid: Schema.NonEmptyString,
  status: Schema.String,
  to: Schema.optional(Schema.NullOr(Schema.String)),
  num_segments: Schema.optional(Schema.NullOr(Schema.String)),
  price: Schema.optional(Schema.NullOr(Schema.String)),
  price_unit: Schema.optional(Schema.NullOr(Schema.String)),
  error_code: Schema.optional(Schema.NullOr(Schema.Union(Schema.Number, Schema.String))),
  error_message: Schema.optional(Schema.NullOr(Schema.String))
})
const decodeMessageResource = Schema.decodeUnknownEither(MessageResource)

/** Twilio quotes prices as negative decimal strings (money leaving the account). */
const priceOf = (price: string | null | undefined): Money.Micros | undefined => {
  if (price === null || price === undefined) return undefined
  const amount = Number(price)
  return Number.isFinite(amount) ? Either.getOrUndefined(Money.fromDecimal(Math.abs(amount))) : undefined
}

const interpret = (answer: Answer): Either.Either<Provider.Accepted, Provider.ProviderRejected> => {
  if (answer.status >= 200 && answer.status < 300) {
    return decodeMessageResource(answer.body).pipe(
      Either.mapLeft(() => unreadableSuccess("Twilio", answer)),
      Either.map((resource) => ({
        providerMessageId: resource.sid,
        channelResponse: { ...resource },
        price: priceOf(resource.price)
      }))
    )
  }
  const body = isRecord(answer.body) ? answer.body : {}
  const code = typeof body.code === "number" || typeof body.code === "string" ? String(body.code) : undefined
  const known =
    code === undefined
      ? { code: `HTTP_${answer.status}`, message: `Twilio answered HTTP ${answer.status}`, permanent: true }
      : twilioError(code, { message: `Twilio error ${code}`, permanent: true })
  const message = typeof body.message === "string" && body.message !== "" ? body.message : known.message
  return Either.left(rejectAnswer(answer, { ...known, message }))
}

/** The adapter for one account. */
export const make = (config: TwilioConfig): Effect.Effect<Provider.ChannelProvider, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    // Trace headers are internal: they are not sent to a third party.
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))
    const base = config.baseUrl.replace(/\/+$/, "")
    const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`
    const fixedFields: Record<string, string> = {
      ...(config.from === undefined ? {} : { From: config.from }),
      ...(config.messagingServiceSid === undefined ? {} : { MessagingServiceSid: config.messagingServiceSid }),
      ...(config.statusCallbackUrl === undefined ? {} : { StatusCallback: config.statusCallbackUrl })
    }
    const send = (request: Provider.SendRequest) =>
      exchange(
        client,
        HttpClientRequest.post(url).pipe(
          HttpClientRequest.basicAuth(config.accountSid, config.authToken),
          HttpClientRequest.acceptJson,
          HttpClientRequest.bodyUrlParams({ To: request.to, Body: request.body, ...fixedFields })
        ),
        "Twilio",
        interpret
      )
    return { name, send }
  })

/** The adapter as a layer, given its configuration. */
export const layer = (config: TwilioConfig): Layer.Layer<Twilio, never, HttpClient.HttpClient> =>
  Layer.effect(Twilio, make(config))

/**
 * The configuration from `TWILIO_BASE_URL` (default `https://api.twilio.com`), `TWILIO_ACCOUNT_SID`,
 * `TWILIO_AUTH_TOKEN`, `TWILIO_FROM` and/or `TWILIO_MESSAGING_SERVICE_SID`, `TWILIO_STATUS_CALLBACK_URL`.
 */
export const config: Config.Config<TwilioConfig> = Config.all({
  baseUrl: Config.nonEmptyString("TWILIO_BASE_URL").pipe(Config.withDefault("https://api.twilio.com")),
  accountSid: Config.nonEmptyString("TWILIO_ACCOUNT_SID"),
  authToken: Config.redacted(Config.nonEmptyString("TWILIO_AUTH_TOKEN")),
  from: optionalString("TWILIO_FROM"),
  messagingServiceSid: optionalString("TWILIO_MESSAGING_SERVICE_SID"),
  statusCallbackUrl: optionalString("TWILIO_STATUS_CALLBACK_URL")
}).pipe(
  Config.mapOrFail(({ from, messagingServiceSid, statusCallbackUrl, ...rest }): Either.Either<
    TwilioConfig,
    ConfigError.ConfigError
  > => {
    const optional = {
      statusCallbackUrl: Option.getOrUndefined(statusCallbackUrl),
      messagingServiceSid: Option.getOrUndefined(messagingServiceSid)
    }
    if (Option.isSome(from)) return Either.right({ ...rest, ...optional, from: from.value })
    if (optional.messagingServiceSid !== undefined) {
      return Either.right({ ...rest, ...optional, messagingServiceSid: optional.messagingServiceSid })
    }
    return Either.left(
      ConfigError.InvalidData(["TWILIO_FROM"], "Set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID to say who sends")
    )
  })
)

/** The adapter configured from the environment (see `config`). */
export const layerConfig: Layer.Layer<Twilio, ConfigError.ConfigError, HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.map(config, layer)
)

/**
 * The `X-Twilio-Signature` of a callback: base64 HMAC-SHA1 over the URL followed by each parameter's name
 * and value, sorted by name.
 */
export const sign = (input: {
  readonly url: string
  readonly params: Readonly<Record<string, string>>
  readonly authToken: Redacted.Redacted
}): string => {
  const payload = Object.keys(input.params)
    .sort()
    .reduce((acc, key) => acc + key + input.params[key], input.url)
  return createHmac("sha1", Redacted.value(input.authToken)).update(payload, "utf8").digest("base64")
}

/** Whether a callback's `X-Twilio-Signature` is Twilio's, compared in constant time; a missing one is not. */
export const verifySignature = (input: {
  readonly url: string
  readonly params: Readonly<Record<string, string>>
  readonly signature: string | undefined
  readonly authToken: Redacted.Redacted
}): boolean => {
  if (input.signature === undefined || input.signature === "") return false
  // Compared as text: base64 decoding ignores stray characters and padding bits, so decoded bytes could
  // match for a signature Twilio never sent.
  const expected = Buffer.from(sign(input), "utf8")
  const given = Buffer.from(input.signature, "utf8")
  return given.length === expected.length && timingSafeEqual(given, expected)
}

const reportedStatus = (messageStatus: string): Provider.InboundReport["report"]["status"] | undefined => {
  switch (messageStatus) {
    case "sent":
    case "delivered":
    case "read":
      return messageStatus
    case "undelivered":
    case "failed":
      return "failed"
    default:
      // `queued`, `accepted`, `sending` and `scheduled` say no more than the accepted send did; statuses
      // Twilio may add later are ignored rather than refused, as a refusal would not make them meaningful.
      return undefined
  }
}

/**
 * The status report a callback's form fields carry, `None` when the status adds nothing (`queued`,
 * `accepted`, `sending`, ...). Twilio callbacks carry no time, so the report is dated `receivedAt`.
 */
export const parseStatusCallback = (
  params: Readonly<Record<string, string>>,
  receivedAt: Date
): Either.Either<Option.Option<Provider.InboundReport>, MalformedCallback> => {
  const sid = params.MessageSid
  const messageStatus = params.MessageStatus
  if (sid === undefined || sid === "") {
    return Either.left(new MalformedCallback({ message: "The Twilio status callback has no MessageSid" }))
  }
  if (messageStatus === undefined || messageStatus === "") {
    return Either.left(new MalformedCallback({ message: "The Twilio status callback has no MessageStatus" }))
  }
  const status = reportedStatus(messageStatus)
  if (status === undefined) return Either.right(Option.none())
  // The account id identifies Sent's Twilio account, which is none of the customer's business.
  const { AccountSid: _account, ...channelResponse } = params
  const code = params.ErrorCode
  const error =
    status === "failed" && code !== undefined && code !== "" && code !== "0"
      ? twilioError(code, { message: `Twilio error ${code}`, permanent: true })
      : undefined
  return Either.right(
    Option.some({
      provider: name,
      providerMessageId: sid,
      report: { status, timestamp: receivedAt, channelResponse, error }
    })
  )
}
