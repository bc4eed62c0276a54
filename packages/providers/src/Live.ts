/**
 * The live providers (`SENT_PROVIDER=live`): Twilio for SMS and the WhatsApp Cloud API, configured from
 * the `TWILIO_*` and `WHATSAPP_*` variables, over Node's HTTP client with keep-alive connections.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Provider } from "@sent/core"
import { Effect, Layer } from "effect"
import * as Twilio from "./Twilio.js"
import * as WhatsApp from "./WhatsApp.js"

/** An HTTP client that keeps connections to the providers open between sends. */
const httpClient = NodeHttpClient.layerWithoutAgent.pipe(
  Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true }))
)

/**
 * Both channels' live providers. Meta offers no lookup of whether a number has WhatsApp, so every number
 * is assumed to have it; a send to one that has not fails with 131026 and falls back to SMS.
 */
export const layer = Layer.effect(
  Provider.Providers,
  Effect.gen(function* () {
    const sms = yield* Twilio.Twilio
    const whatsapp = yield* WhatsApp.WhatsApp
    return Provider.Providers.of({ sms, whatsapp, hasWhatsApp: () => Effect.succeed(true) })
  })
)

/** The live providers configured from the environment. */
export const layerConfig = layer.pipe(
  Layer.provide(Layer.merge(Twilio.layerConfig, WhatsApp.layerConfig)),
  Layer.provide(httpClient)
)
