/** Provider callbacks: no API key, the provider's signature instead; refusals answer the envelope. */
import { describe, expect, layer } from "@effect/vitest"
import { Twilio, WhatsApp } from "@sent/providers"
import { Effect } from "effect"
import { callbackSecrets, codeOf, raw, world } from "./fixtures.js"

const twilioParams = { MessageSid: "SM00000000000000000000000000000001", MessageStatus: "delivered", AccountSid: "AC1" }
const form = (params: Record<string, string>) => new URLSearchParams(params).toString()
const metaBody = JSON.stringify({ object: "whatsapp_business_account", entry: [] })

describe("provider callbacks", () => {
  layer(world(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("Twilio: a signed callback for an unknown message is 200; a bad or missing signature is 401", () =>
      Effect.gen(function*() {
        const signature = Twilio.sign({
          url: callbackSecrets.twilio.statusCallbackUrl,
          params: twilioParams,
          authToken: callbackSecrets.twilio.authToken
        })
        const contentType = "application/x-www-form-urlencoded"
        const signed = yield* raw("POST", "/providers/twilio/status", {
          body: form(twilioParams),
          contentType,
          headers: { "x-twilio-signature": signature }
        })
        expect(signed.status).toBe(200)
        const forged = yield* raw("POST", "/providers/twilio/status", {
          body: form({ ...twilioParams, MessageStatus: "failed" }),
          contentType,
          headers: { "x-twilio-signature": signature }
        })
        expect([forged.status, codeOf(forged.body)]).toEqual([401, "UNAUTHORIZED"])
        const unsigned = yield* raw("POST", "/providers/twilio/status", { body: form(twilioParams), contentType })
        expect([unsigned.status, codeOf(unsigned.body)]).toEqual([401, "UNAUTHORIZED"])
      }))

    it.effect("WhatsApp: the raw body is what is verified; the handshake answers the challenge", () =>
      Effect.gen(function*() {
        const signed = yield* raw("POST", "/providers/whatsapp/webhook", {
          body: metaBody,
          contentType: "application/json",
          headers: { "x-hub-signature-256": WhatsApp.sign(metaBody, callbackSecrets.whatsappAppSecret) }
        })
        expect(signed.status).toBe(200)
        const reformatted = yield* raw("POST", "/providers/whatsapp/webhook", {
          body: JSON.stringify(JSON.parse(metaBody), null, 2),
          contentType: "application/json",
          headers: { "x-hub-signature-256": WhatsApp.sign(metaBody, callbackSecrets.whatsappAppSecret) }
        })
        expect([reformatted.status, codeOf(reformatted.body)]).toEqual([401, "UNAUTHORIZED"])

        const token = "meta-verify-token"
        const handshake = yield* raw("GET", `/providers/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=12345`)
        // The challenge goes back as plain text ("12345", which `raw` reads as JSON).
        expect([handshake.status, handshake.body]).toEqual([200, 12345])
        const wrong = yield* raw("GET", "/providers/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")
        expect([wrong.status, codeOf(wrong.body)]).toEqual([401, "UNAUTHORIZED"])
      }))
  })

  layer(world({ callbacks: {} }), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("without configured credentials every callback is refused", () =>
      Effect.gen(function*() {
        const twilio = yield* raw("POST", "/providers/twilio/status", { body: form(twilioParams), contentType: "application/x-www-form-urlencoded" })
        const whatsapp = yield* raw("POST", "/providers/whatsapp/webhook", { body: metaBody, contentType: "application/json" })
        expect([twilio.status, whatsapp.status]).toEqual([401, 401])
      }))
  })
})
