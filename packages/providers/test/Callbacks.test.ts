import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { createHmac } from "node:crypto"
import { Callbacks } from "../src/index.js"
import * as Collector from "./utils/Collector.js"

const statusCallbackUrl = "https://sent.example.com/providers/twilio/status"
const twilioToken = "twilio-auth-token"
const appSecret = "meta-app-secret"

/** Twilio's signature, computed here independently of the adapter. */
const twilioSignature = (url: string, params: Record<string, string>, token = twilioToken) =>
  createHmac("sha1", token)
    .update(url + Object.keys(params).sort().map((k) => k + params[k]).join(""))
    .digest("base64")

/** Meta's signature, computed here independently of the adapter. */
const metaSignature = (body: string | Uint8Array, secret = appSecret) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`

const configured = Callbacks.layer({
  twilio: { authToken: Redacted.make(twilioToken), statusCallbackUrl },
  whatsappAppSecret: Redacted.make(appSecret),
  whatsappVerifyToken: Redacted.make("verify-me")
}).pipe(Layer.provideMerge(Collector.layer))

const unconfigured = Callbacks.layer({}).pipe(Layer.provideMerge(Collector.layer))

const delivered = {
  MessageSid: "SM0123456789abcdef0123456789abcdef",
  MessageStatus: "delivered",
  AccountSid: "AC00000000000000000000000000000001",
  To: "+12025550100",
  From: "+15005550006"
}

const webhook = JSON.stringify({
  object: "whatsapp_business_account",
  entry: [
    {
      id: "WABA",
      changes: [
        {
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "15550001111", phone_number_id: "106540352242922" },
            statuses: [
              { id: "wamid.A", status: "delivered", timestamp: "1740830400", recipient_id: "12025550100" },
              { id: "wamid.A", status: "read", timestamp: "1740830401", recipient_id: "12025550100" },
              {
                id: "wamid.B",
                status: "failed",
                timestamp: "1740830402",
                recipient_id: "12025550104",
                errors: [{ code: 131026, title: "Message undeliverable" }]
              }
            ]
          }
        }
      ]
    }
  ]
})

describe("ProviderCallbacks, configured", () => {
  it.effect("a signed Twilio callback reaches InboundReports", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      yield* callbacks.twilio({ params: delivered, signature: twilioSignature(statusCallbackUrl, delivered) })
      const [report] = yield* Collector.reports
      expect(report).toMatchObject({
        provider: "twilio",
        providerMessageId: "SM0123456789abcdef0123456789abcdef",
        report: { status: "delivered" }
      })
    }).pipe(Effect.provide(configured))
  )

  it.effect("a signed Twilio callback with a status that adds nothing is accepted and ingests nothing", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      const sending = { ...delivered, MessageStatus: "sending" }
      yield* callbacks.twilio({ params: sending, signature: twilioSignature(statusCallbackUrl, sending) })
      expect(yield* Collector.reports).toEqual([])
    }).pipe(Effect.provide(configured))
  )

  it.effect("a Twilio callback with a missing, wrong or re-targeted signature is rejected and ingests nothing", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      const signatures = [
        undefined,
        "",
        twilioSignature(statusCallbackUrl, delivered, "another-token"),
        twilioSignature("http://127.0.0.1:3000/providers/twilio/status", delivered),
        twilioSignature(statusCallbackUrl, { ...delivered, MessageStatus: "failed" })
      ]
      for (const signature of signatures) {
        const error = yield* Effect.flip(callbacks.twilio({ params: delivered, signature }))
        expect(error._tag).toBe("CallbackRejected")
      }
      expect(yield* Collector.reports).toEqual([])
    }).pipe(Effect.provide(configured))
  )

  it.effect("a correctly signed but malformed Twilio callback is a MalformedCallback, not a defect", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      const params = { MessageStatus: "delivered", To: "+12025550100" }
      const signature = twilioSignature(statusCallbackUrl, params)
      const error = yield* Effect.flip(callbacks.twilio({ params, signature }))
      expect(error._tag).toBe("MalformedCallback")
      expect(error.message).toContain("MessageSid")
    }).pipe(Effect.provide(configured))
  )

  it.effect("a signed WhatsApp webhook hands every batched report over, in order", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      yield* callbacks.whatsapp({ rawBody: Buffer.from(webhook), signature: metaSignature(webhook) })
      const reports = yield* Collector.reports
      expect(reports.map((r) => [r.provider, r.providerMessageId, r.report.status, r.report.error?.code])).toEqual([
        ["whatsapp", "wamid.A", "delivered", undefined],
        ["whatsapp", "wamid.A", "read", undefined],
        ["whatsapp", "wamid.B", "failed", "131026"]
      ])
    }).pipe(Effect.provide(configured))
  )

  it.effect("a WhatsApp webhook unsigned, wrongly signed or tampered with is rejected and ingests nothing", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      const attempts = [
        { rawBody: webhook, signature: undefined },
        { rawBody: webhook, signature: "" },
        { rawBody: webhook, signature: metaSignature(webhook, "another-secret") },
        { rawBody: webhook.replace("delivered", "read"), signature: metaSignature(webhook) },
        { rawBody: JSON.stringify(JSON.parse(webhook), null, 2), signature: metaSignature(webhook) }
      ]
      for (const attempt of attempts) {
        const error = yield* Effect.flip(callbacks.whatsapp(attempt))
        expect(error._tag).toBe("CallbackRejected")
      }
      expect(yield* Collector.reports).toEqual([])
    }).pipe(Effect.provide(configured))
  )

  it.effect("a correctly signed but malformed WhatsApp body is a MalformedCallback, not a defect", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      const bodies: ReadonlyArray<string | Uint8Array> = [
        "not json",
        "",
        Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]),
        JSON.stringify({ object: "whatsapp_business_account", entry: "nope" }),
        JSON.stringify({ hello: "world" })
      ]
      for (const rawBody of bodies) {
        const error = yield* Effect.flip(callbacks.whatsapp({ rawBody, signature: metaSignature(rawBody) }))
        expect(error._tag).toBe("MalformedCallback")
      }
      expect(yield* Collector.reports).toEqual([])
    }).pipe(Effect.provide(configured))
  )

  it.effect("the WhatsApp subscription check answers the challenge for the verify token only", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      const query = { "hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42" }
      expect(yield* callbacks.whatsappVerify(query)).toBe("42")
      const error = yield* Effect.flip(callbacks.whatsappVerify({ ...query, "hub.verify_token": "guess" }))
      expect(error._tag).toBe("CallbackRejected")
    }).pipe(Effect.provide(configured))
  )
})

describe("ProviderCallbacks, without credentials", () => {
  it.effect("refuses every callback, however it is signed", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      const twilio = yield* Effect.flip(
        callbacks.twilio({ params: delivered, signature: twilioSignature(statusCallbackUrl, delivered) })
      )
      const whatsapp = yield* Effect.flip(callbacks.whatsapp({ rawBody: webhook, signature: metaSignature(webhook) }))
      const verify = yield* Effect.flip(
        callbacks.whatsappVerify({ "hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42" })
      )
      for (const error of [twilio, whatsapp, verify]) expect(error._tag).toBe("CallbackRejected")
      expect(twilio.message).toContain("TWILIO_AUTH_TOKEN")
      expect(whatsapp.message).toContain("WHATSAPP_APP_SECRET")
      expect(yield* Collector.reports).toEqual([])
    }).pipe(Effect.provide(unconfigured))
  )
})

describe("ProviderCallbacks.layerConfig", () => {
  const fromEnv = (env: Record<string, string>) =>
    Callbacks.layerConfig.pipe(
      Layer.provideMerge(Collector.layer),
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
    )

  it.effect("reads the secrets, and checks Twilio signatures over TWILIO_STATUS_CALLBACK_URL", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      yield* callbacks.twilio({ params: delivered, signature: twilioSignature(statusCallbackUrl, delivered) })
      yield* callbacks.whatsapp({ rawBody: webhook, signature: metaSignature(webhook) })
      const query = { "hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "7" }
      expect(yield* callbacks.whatsappVerify(query)).toBe("7")
      expect((yield* Collector.reports).length).toBe(4)
    }).pipe(
      Effect.provide(
        fromEnv({
          TWILIO_AUTH_TOKEN: twilioToken,
          TWILIO_STATUS_CALLBACK_URL: statusCallbackUrl,
          WHATSAPP_APP_SECRET: appSecret,
          WHATSAPP_VERIFY_TOKEN: "verify-me"
        })
      )
    )
  )

  it.effect("a Twilio token without its callback URL, or blank variables, configure nothing", () =>
    Effect.gen(function* () {
      const callbacks = yield* Callbacks.ProviderCallbacks
      const twilio = yield* Effect.flip(
        callbacks.twilio({ params: delivered, signature: twilioSignature(statusCallbackUrl, delivered) })
      )
      const whatsapp = yield* Effect.flip(
        callbacks.whatsapp({ rawBody: webhook, signature: metaSignature(webhook, "") })
      )
      const verify = yield* Effect.flip(
        callbacks.whatsappVerify({ "hub.mode": "subscribe", "hub.verify_token": " ", "hub.challenge": "7" })
      )
      for (const error of [twilio, whatsapp, verify]) expect(error._tag).toBe("CallbackRejected")
    }).pipe(
      Effect.provide(
        fromEnv({ TWILIO_AUTH_TOKEN: twilioToken, WHATSAPP_APP_SECRET: "", WHATSAPP_VERIFY_TOKEN: " " })
      )
    )
  )
})
