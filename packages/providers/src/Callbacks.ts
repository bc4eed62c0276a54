/**
 * The provider callbacks the HTTP layer mounts: each one is checked against the provider's signature,
 * parsed, and its status reports handed to `InboundReports` — the path simulated reports take too.
 * Callbacks are accepted whichever provider sends (`SENT_PROVIDER`); without credentials they are refused.
 */
import { Provider } from "@sent/core"
import { Clock, Config, Context, Effect, Either, Layer, Option, type Redacted } from "effect"
import { CallbackRejected, MalformedCallback } from "./internal/callbackErrors.js"
import { optionalRedacted, optionalString } from "./internal/config.js"
import * as Twilio from "./Twilio.js"
import * as WhatsApp from "./WhatsApp.js"

export { CallbackRejected, MalformedCallback }

/** The secrets callbacks are checked with; a provider without them has every callback refused. */
export interface CallbacksConfig {
  /** Twilio signs with the auth token over the exact `StatusCallback` URL it was given. */
  readonly twilio?: { readonly authToken: Redacted.Redacted; readonly statusCallbackUrl: string } | undefined
  /** Signs status webhooks (`X-Hub-Signature-256`). */
  readonly whatsappAppSecret?: Redacted.Redacted | undefined
  /** Answers Meta's subscription check. */
  readonly whatsappVerifyToken?: Redacted.Redacted | undefined
}

/** Receives provider callbacks: verifies, parses, and ingests them. */
export class ProviderCallbacks extends Context.Tag("@sent/providers/ProviderCallbacks")<
  ProviderCallbacks,
  {
    /** A Twilio status callback: its form fields and `X-Twilio-Signature`. */
    readonly twilio: (callback: {
      readonly params: Readonly<Record<string, string>>
      readonly signature: string | undefined
    }) => Effect.Effect<void, CallbackRejected | MalformedCallback>
    /** A Meta status webhook: the body exactly as received, and `X-Hub-Signature-256`. */
    readonly whatsapp: (callback: {
      readonly rawBody: string | Uint8Array
      readonly signature: string | undefined
    }) => Effect.Effect<void, CallbackRejected | MalformedCallback>
    /** Meta's subscription check; succeeds with the challenge to answer. */
    readonly whatsappVerify: (
      query: Readonly<Record<string, string | undefined>>
    ) => Effect.Effect<string, CallbackRejected | MalformedCallback>
  }
>() {}

const notConfigured = (provider: string, variables: string) =>
  new CallbackRejected({ message: `${provider} callbacks are refused: ${variables} not configured` })

const badSignature = (provider: string, header: string) =>
  new CallbackRejected({ message: `The ${provider} callback's ${header} is missing or wrong` })

const utf8 = new TextDecoder("utf-8", { fatal: true })

const parseJson = (rawBody: string | Uint8Array): Either.Either<unknown, MalformedCallback> =>
  Either.try({
    try: () => JSON.parse(typeof rawBody === "string" ? rawBody : utf8.decode(rawBody)),
    catch: () => new MalformedCallback({ message: "The WhatsApp webhook body is not UTF-8 JSON" })
  })

/** The callbacks, checked with the given secrets. */
export const make = (config: CallbacksConfig) =>
  Effect.gen(function* () {
    const inbound = yield* Provider.InboundReports
    return ProviderCallbacks.of({
      twilio: ({ params, signature }) =>
        Effect.gen(function* () {
          if (config.twilio === undefined) {
            return yield* notConfigured("Twilio", "TWILIO_AUTH_TOKEN and TWILIO_STATUS_CALLBACK_URL are")
          }
          const { authToken, statusCallbackUrl } = config.twilio
          if (!Twilio.verifySignature({ url: statusCallbackUrl, params, signature, authToken })) {
            return yield* badSignature("Twilio", "X-Twilio-Signature")
          }
          const receivedAt = new Date(yield* Clock.currentTimeMillis)
          const report = yield* Twilio.parseStatusCallback(params, receivedAt)
          if (Option.isSome(report)) yield* inbound.ingest([report.value])
        }),
      whatsapp: ({ rawBody, signature }) =>
        Effect.gen(function* () {
          if (config.whatsappAppSecret === undefined) {
            return yield* notConfigured("WhatsApp", "WHATSAPP_APP_SECRET is")
          }
          if (!WhatsApp.verifySignature(rawBody, signature, config.whatsappAppSecret)) {
            return yield* badSignature("WhatsApp", "X-Hub-Signature-256")
          }
          const reports = yield* Either.flatMap(parseJson(rawBody), WhatsApp.parseStatusWebhook)
          yield* inbound.ingest(reports)
        }),
      whatsappVerify: (query) =>
        config.whatsappVerifyToken === undefined
          ? Effect.fail(notConfigured("WhatsApp", "WHATSAPP_VERIFY_TOKEN is"))
          : WhatsApp.verifyHandshake(query, config.whatsappVerifyToken)
    })
  })

/** The callbacks as a layer, given their secrets. */
export const layer = (config: CallbacksConfig) => Layer.effect(ProviderCallbacks, make(config))

/**
 * The secrets from `TWILIO_AUTH_TOKEN` with `TWILIO_STATUS_CALLBACK_URL`, `WHATSAPP_APP_SECRET` and
 * `WHATSAPP_VERIFY_TOKEN`, each optional, read whatever `SENT_PROVIDER` says.
 */
export const config: Config.Config<CallbacksConfig> = Config.all({
  twilioAuthToken: optionalRedacted("TWILIO_AUTH_TOKEN"),
  twilioStatusCallbackUrl: optionalString("TWILIO_STATUS_CALLBACK_URL"),
  whatsappAppSecret: optionalRedacted("WHATSAPP_APP_SECRET"),
  whatsappVerifyToken: optionalRedacted("WHATSAPP_VERIFY_TOKEN")
}).pipe(
  Config.map((env) => ({
    twilio: Option.getOrUndefined(
      Option.all({ authToken: env.twilioAuthToken, statusCallbackUrl: env.twilioStatusCallbackUrl })
    ),
    whatsappAppSecret: Option.getOrUndefined(env.whatsappAppSecret),
    whatsappVerifyToken: Option.getOrUndefined(env.whatsappVerifyToken)
  }))
)

/** The callbacks with their secrets from the environment (see `config`). */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, layer))
