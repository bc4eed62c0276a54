import { describe, expect, it } from "@effect/vitest"
import { PhoneNumber, Provider } from "@sent/core"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import { Live } from "../src/index.js"
import * as FakeServer from "./utils/FakeServer.js"
import { sendRequest } from "./utils/requests.js"

/** One fake speaking both APIs, told apart by path. */
const bothApis = FakeServer.make((request) =>
  request.path.endsWith("/Messages.json")
    ? {
        status: 201,
        json: { sid: "SM00000000000000000000000000000001", status: "queued", num_segments: "1", price: null }
      }
    : { status: 200, json: { messaging_product: "whatsapp", messages: [{ id: "wamid.LIVE" }] } }
)

const liveFrom = (env: Record<string, string>) =>
  Live.layerConfig.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))))

const envFor = (url: string) => ({
  TWILIO_BASE_URL: url,
  TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000001",
  TWILIO_AUTH_TOKEN: "twilio-auth-token",
  TWILIO_FROM: "+15005550006",
  TWILIO_STATUS_CALLBACK_URL: "https://sent.example.com/providers/twilio/status",
  WHATSAPP_BASE_URL: url,
  WHATSAPP_PHONE_NUMBER_ID: "106540352242922",
  WHATSAPP_ACCESS_TOKEN: "EAAG-access-token"
})

describe("Live", () => {
  it.scoped("composes Twilio and WhatsApp from the environment, over kept-alive connections", () =>
    Effect.gen(function* () {
      const fake = yield* bothApis
      const providers = Context.get(yield* Layer.build(liveFrom(envFor(fake.url))), Provider.Providers)
      expect(providers.sms.name).toBe("twilio")
      expect(providers.whatsapp.name).toBe("whatsapp")
      const sms = yield* providers.sms.send(sendRequest("2025550100", "sms"))
      const again = yield* providers.sms.send(sendRequest("2025550100", "sms"))
      const whatsapp = yield* providers.whatsapp.send(sendRequest("2025550100", "whatsapp"))
      expect([sms.providerMessageId, again.providerMessageId, whatsapp.providerMessageId]).toEqual([
        "SM00000000000000000000000000000001",
        "SM00000000000000000000000000000001",
        "wamid.LIVE"
      ])
      const received = yield* fake.received
      expect(received.map((r) => r.path)).toEqual([
        "/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json",
        "/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json",
        "/v21.0/106540352242922/messages"
      ])
      expect(new Set(received.map((r) => r.remotePort)).size).toBe(1)
      expect(JSON.parse(received[2]?.body ?? "").template.language).toEqual({ code: "en_US" })
    })
  )

  it.scoped("assumes every number has WhatsApp: Meta offers no lookup", () =>
    Effect.gen(function* () {
      const fake = yield* bothApis
      const providers = Context.get(yield* Layer.build(liveFrom(envFor(fake.url))), Provider.Providers)
      expect(
        yield* providers.hasWhatsApp({ e164: PhoneNumber.E164.make("+12025550103"), nationalNumber: "2025550103" })
      ).toBe(true)
    })
  )

  it.effect("fails to build without credentials, naming what is missing", () =>
    Effect.gen(function* () {
      const { TWILIO_FROM: _from, ...withoutSender } = envFor("http://127.0.0.1:1")
      const noSender = yield* Effect.flip(Effect.scoped(Layer.build(liveFrom(withoutSender))))
      expect(String(noSender)).toContain("TWILIO_MESSAGING_SERVICE_SID")
      const { WHATSAPP_ACCESS_TOKEN: _token, ...withoutToken } = envFor("http://127.0.0.1:1")
      const noToken = yield* Effect.flip(Effect.scoped(Layer.build(liveFrom(withoutToken))))
      expect(String(noToken)).toContain("WHATSAPP_ACCESS_TOKEN")
    })
  )
})
