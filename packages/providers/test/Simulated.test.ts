import { describe, expect, it } from "@effect/vitest"
import { ChannelSelection, PhoneNumber, Provider } from "@sent/core"
import { ConfigProvider, Effect, Either, Layer, TestClock } from "effect"
import { Simulated } from "../src/index.js"
import * as Collector from "./utils/Collector.js"
import { sendRequest } from "./utils/requests.js"

const delayMillis = 5

const simulated = Simulated.layer({ delayMillis }).pipe(Layer.provideMerge(Collector.layer))

/** Lets every scripted report of a send arrive (each comes one delay after the one before). */
const settle = TestClock.adjust(`${delayMillis * 10} millis`)

/** The statuses reported about one provider message, in arrival order. */
const statusesOf = (providerMessageId: string) =>
  Effect.map(Collector.reports, (all) =>
    all.filter((r) => r.providerMessageId === providerMessageId).map((r) => r.report.status)
  )

const channels = ["sms", "whatsapp"] as const

const simulatedId = /^sim_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

type Expected =
  | { readonly rejected: { readonly code: string; readonly permanent: boolean } }
  | { readonly reports: ReadonlyArray<string> }

const expectations: Record<string, Record<(typeof channels)[number], Expected>> = {
  "00": { sms: { reports: ["delivered"] }, whatsapp: { reports: ["delivered", "read"] } },
  "01": {
    sms: { rejected: { code: "21211", permanent: true } },
    whatsapp: { rejected: { code: "131009", permanent: true } }
  },
  "02": {
    sms: { rejected: { code: "20429", permanent: false } },
    whatsapp: { rejected: { code: "130429", permanent: false } }
  },
  "03": { sms: { reports: ["delivered"] }, whatsapp: { rejected: { code: "131026", permanent: true } } },
  "04": { sms: { reports: ["delivered"] }, whatsapp: { rejected: { code: "131026", permanent: true } } },
  "05": { sms: { reports: [] }, whatsapp: { reports: [] } },
  "06": {
    sms: { reports: ["read", "read", "delivered", "delivered"] },
    whatsapp: { reports: ["read", "read", "delivered", "delivered"] }
  },
  "07": { sms: { reports: ["failed"] }, whatsapp: { reports: ["failed"] } },
  "42": { sms: { reports: ["delivered"] }, whatsapp: { reports: ["delivered", "read"] } }
}

describe("Simulated", () => {
  for (const [end, byChannel] of Object.entries(expectations)) {
    for (const channel of channels) {
      const expected = byChannel[channel]
      it.effect(`ending ${end} on ${channel}: ${JSON.stringify(expected)}`, () =>
        Effect.gen(function* () {
          const providers = yield* Provider.Providers
          const result = yield* Effect.either(providers[channel].send(sendRequest(`20255501${end}`, channel)))
          yield* settle
          if ("rejected" in expected) {
            expect(Either.isLeft(result)).toBe(true)
            if (Either.isLeft(result)) {
              expect(result.left.error.code).toBe(expected.rejected.code)
              expect(result.left.error.permanent).toBe(expected.rejected.permanent)
              expect(result.left.error.message.length).toBeGreaterThan(0)
              expect(result.left.channelResponse).toBeDefined()
            }
            expect(yield* Collector.reports).toEqual([])
          } else {
            expect(Either.isRight(result)).toBe(true)
            if (Either.isRight(result)) {
              expect(result.right.providerMessageId).toMatch(simulatedId)
              expect(yield* statusesOf(result.right.providerMessageId)).toEqual(expected.reports)
              for (const inbound of yield* Collector.reports) expect(inbound.provider).toBe("simulated")
            }
          }
        }).pipe(Effect.provide(simulated))
      )
    }
  }

  it.effect("04 on WhatsApp is refused with the code channel selection falls back on", () =>
    Effect.gen(function* () {
      const providers = yield* Provider.Providers
      const error = yield* Effect.flip(providers.whatsapp.send(sendRequest("2025550104", "whatsapp")))
      expect(error.error.code).toBe(ChannelSelection.notOnWhatsAppCode)
      expect(error.error.permanent).toBe(true)
    }).pipe(Effect.provide(simulated))
  )

  it.effect("02 fails transiently on attempts 1 and 2, then is accepted and delivered on attempt 3", () =>
    Effect.gen(function* () {
      const providers = yield* Provider.Providers
      for (const channel of channels) {
        for (const attempt of [1, 2]) {
          const error = yield* Effect.flip(providers[channel].send(sendRequest("2025550102", channel, { attempt })))
          expect(error.error.permanent).toBe(false)
        }
        const accepted = yield* providers[channel].send(sendRequest("2025550102", channel, { attempt: 3 }))
        yield* settle
        const statuses = yield* statusesOf(accepted.providerMessageId)
        expect(statuses[0]).toBe("delivered")
      }
    }).pipe(Effect.provide(simulated))
  )

  it.effect("hasWhatsApp is false only for ending 03", () =>
    Effect.gen(function* () {
      const providers = yield* Provider.Providers
      const ask = (nationalNumber: string) =>
        providers.hasWhatsApp({ e164: PhoneNumber.E164.make(`+1${nationalNumber}`), nationalNumber })
      for (const end of ["00", "01", "02", "04", "05", "06", "07", "99"]) {
        expect(yield* ask(`20255501${end}`)).toBe(true)
      }
      expect(yield* ask("2025550103")).toBe(false)
    }).pipe(Effect.provide(simulated))
  )

  it.effect("reports wait for the delay, one delay apart", () =>
    Effect.gen(function* () {
      const providers = yield* Provider.Providers
      const accepted = yield* providers.whatsapp.send(sendRequest("2025550142", "whatsapp"))
      expect(yield* statusesOf(accepted.providerMessageId)).toEqual([])
      yield* TestClock.adjust(`${delayMillis - 1} millis`)
      expect(yield* statusesOf(accepted.providerMessageId)).toEqual([])
      yield* TestClock.adjust("1 millis")
      expect(yield* statusesOf(accepted.providerMessageId)).toEqual(["delivered"])
      yield* TestClock.adjust(`${delayMillis} millis`)
      expect(yield* statusesOf(accepted.providerMessageId)).toEqual(["delivered", "read"])
    }).pipe(Effect.provide(simulated))
  )

  it.effect("reports carry the clock's time and a channel response shaped like the real provider's", () =>
    Effect.gen(function* () {
      const providers = yield* Provider.Providers
      yield* TestClock.setTime(Date.parse("2025-01-01T00:00:00Z"))
      const sms = yield* providers.sms.send(sendRequest("2025550107", "sms"))
      expect(sms.channelResponse).toMatchObject({ sid: sms.providerMessageId, status: "queued", num_segments: "1" })
      const whatsapp = yield* providers.whatsapp.send(sendRequest("2025550107", "whatsapp"))
      expect(whatsapp.channelResponse).toMatchObject({ messages: [{ id: whatsapp.providerMessageId }] })
      yield* settle
      const all = yield* Collector.reports
      const smsFailed = all.find((r) => r.providerMessageId === sms.providerMessageId)
      const whatsappFailed = all.find((r) => r.providerMessageId === whatsapp.providerMessageId)
      expect(smsFailed?.report).toMatchObject({
        status: "failed",
        timestamp: new Date("2025-01-01T00:00:00.005Z"),
        error: { code: "30005", permanent: true },
        channelResponse: { MessageSid: sms.providerMessageId, MessageStatus: "undelivered", ErrorCode: "30005" }
      })
      expect(whatsappFailed?.report).toMatchObject({
        status: "failed",
        error: { code: "131049", permanent: true },
        channelResponse: { id: whatsapp.providerMessageId, status: "failed", errors: [{ code: 131049 }] }
      })
    }).pipe(Effect.provide(simulated))
  )

  it.effect("reports still pending when the layer closes are dropped, not delivered later", () =>
    Effect.gen(function* () {
      const send = Effect.flatMap(Provider.Providers, (p) => p.sms.send(sendRequest("2025550100", "sms")))
      const accepted = yield* send.pipe(Effect.provide(Simulated.layer({ delayMillis })))
      yield* settle
      expect(yield* statusesOf(accepted.providerMessageId)).toEqual([])
    }).pipe(Effect.provide(Collector.layer))
  )

  it.effect("layerConfig reads SENT_SIMULATED_DELAY_MS", () =>
    Effect.gen(function* () {
      const providers = yield* Provider.Providers
      const accepted = yield* providers.sms.send(sendRequest("2025550100", "sms"))
      yield* TestClock.adjust("49 millis")
      expect(yield* statusesOf(accepted.providerMessageId)).toEqual([])
      yield* TestClock.adjust("1 millis")
      expect(yield* statusesOf(accepted.providerMessageId)).toEqual(["delivered"])
    }).pipe(
      Effect.provide(
        Simulated.layerConfig.pipe(
          Layer.provideMerge(Collector.layer),
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({ SENT_SIMULATED_DELAY_MS: "50" })))
        )
      )
    )
  )

  it.effect("layerConfig rejects a negative delay", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Layer.build(
          Simulated.layerConfig.pipe(
            Layer.provide(Collector.layer),
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({ SENT_SIMULATED_DELAY_MS: "-1" })))
          )
        ).pipe(Effect.scoped)
      )
      expect(String(error)).toContain("must not be negative")
    })
  )
})
