/**
 * The live WhatsApp → SMS fallback: WhatsApp accepts the send, and only a later `failed` status webhook
 * (Meta's 131026, "not a WhatsApp user") says the recipient has no WhatsApp.
 */
import { Accounts, ContactBook, type Ids, type Message, Messaging, Provider, TemplateCatalog } from "@sent/core"
import { Simulated, WhatsApp } from "@sent/providers"
import { Sqlite } from "@sent/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Clock, Effect, Either, FiberSet, Layer } from "effect"
import * as SentLayer from "../src/SentLayer.js"
import { customerWithTemplate, isSettled, ledgerSum, tempDatabase, untilMessage, usNumber } from "./fixtures.js"

const smsPrice = 7_500
const whatsAppPrice = 5_000

/** Meta's status notification for one message, as its webhook posts it. */
const notification = (wamid: string, status: "sent" | "failed", at: number) => ({
  object: "whatsapp_business_account",
  entry: [{
    id: "WABA",
    changes: [{
      field: "messages",
      value: {
        messaging_product: "whatsapp",
        metadata: { display_phone_number: "15550001111", phone_number_id: "106540352242922" },
        statuses: [{
          id: wamid,
          status,
          timestamp: String(Math.floor(at / 1000)),
          recipient_id: "14155550100",
          ...(status === "failed"
            ? { errors: [{ code: 131026, title: "Message undeliverable", error_data: { details: "Message Undeliverable." } }] }
            : {})
        }]
      }
    }]
  }]
})

/**
 * Providers whose WhatsApp accepts every send and then reports it `sent` and `failed` with 131026, through
 * the WhatsApp adapter's own webhook parser and `InboundReports`. A national number ending in `42` gets
 * the failure twice and before the send returns (the callback races the dispatcher's write). SMS is the
 * simulated provider (delivered).
 */
const providers = Layer.scoped(
  Provider.Providers,
  Effect.gen(function*() {
    const simulated = yield* Simulated.make({ delayMillis: 0 })
    const inbound = yield* Provider.InboundReports
    const fibers = yield* FiberSet.make<void>()
    const deliver = (wamid: string, status: "sent" | "failed") =>
      Effect.gen(function*() {
        const reports = Either.getOrThrow(WhatsApp.parseStatusWebhook(notification(wamid, status, yield* Clock.currentTimeMillis)))
        yield* inbound.ingest(reports)
      })
    const whatsapp: Provider.ChannelProvider = {
      name: WhatsApp.name,
      send: (request) =>
        Effect.gen(function*() {
          const wamid = `wamid.${crypto.randomUUID()}`
          if (request.nationalNumber.endsWith("42")) {
            yield* deliver(wamid, "failed")
            yield* deliver(wamid, "failed")
          } else {
            yield* FiberSet.run(fibers, Effect.zipRight(deliver(wamid, "sent"), deliver(wamid, "failed")))
          }
          return { providerMessageId: wamid, channelResponse: { messages: [{ id: wamid }] } }
        })
    }
    return Provider.Providers.of({ ...simulated, whatsapp, hasWhatsApp: () => Effect.succeed(true) })
  })
)

const world = SentLayer.layer(Sqlite.layer({ filename: tempDatabase() }), providers, { allowPrivateWebhooks: true })

const ledgerSumsToBalance = (customerId: Ids.CustomerId) =>
  Effect.gen(function*() {
    const { balance } = yield* Effect.flatMap(Accounts.Accounts, (accounts) => accounts.balance(customerId))
    expect(yield* ledgerSum(customerId)).toBe(balance)
    return balance
  })

describe("a 131026 failure reported after WhatsApp accepted the send", () => {
  layer(world, { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    const send = (customerId: Ids.CustomerId, templateId: Ids.TemplateId, phoneNumber: string, channel?: "sms" | "whatsapp") =>
      Effect.flatMap(Messaging.Messaging, (m) =>
        m.send(customerId, { phoneNumber, templateId, templateVariables: { name: "Ada", code: "1" }, channel }))
    const contactChannels = (customerId: Ids.CustomerId, message: Message.Message) =>
      Effect.map(Effect.flatMap(ContactBook.ContactBook, (book) => book.get(customerId, message.contact.id)), (c) => c.availableChannels)

    it.effect("re-routes an automatic send to SMS once: same id, stays sent, delivered on SMS at the SMS price", () =>
      Effect.gen(function*() {
        const { customerId, template } = yield* customerWithTemplate(1_000_000)
        for (const ending of ["41", "42"]) {
          const { message: queued } = yield* send(customerId, template.id, usNumber(ending))
          expect(queued.channel).toBe("whatsapp")
          const done = yield* untilMessage(customerId, queued.id, isSettled)
          expect(done.id).toBe(queued.id)
          expect(done.status).toBe("delivered")
          expect(done.channel).toBe("sms")
          expect(done.error).toBeUndefined()
          expect(done.fallback).toMatchObject({
            from: "whatsapp",
            to: "sms",
            reason: { code: "131026", message: "Message Undeliverable.", permanent: true }
          })
          // Statuses never go back: `sent` on WhatsApp stands, the SMS leg adds its delivery.
          expect(done.statusHistory.map((h) => [h.status, h.channel])).toEqual([
            ["queued", "whatsapp"],
            ["sent", "whatsapp"],
            ["delivered", "sms"]
          ])
          expect(done.pricing).toMatchObject({ originalPrice: whatsAppPrice, correctedPrice: smsPrice })
          expect(yield* contactChannels(customerId, done)).toEqual(["sms"])
          const entries = yield* Effect.flatMap(Accounts.Accounts, (a) => a.ledger(customerId, { limit: 200 }))
          expect(entries.data.filter((e) => e.messageId === done.id).map((e) => e.amount).sort((a, b) => a - b)).toEqual([-5_000, -2_500])
        }
        expect(yield* ledgerSumsToBalance(customerId)).toBe(1_000_000 - 2 * smsPrice)
      }))

    it.effect("fails the message, refunded, when the SMS provider refuses the re-routed send", () =>
      Effect.gen(function*() {
        const { customerId, template } = yield* customerWithTemplate(1_000_000)
        // The simulated SMS provider refuses `01` permanently; the fake WhatsApp accepts anything.
        const { message } = yield* send(customerId, template.id, usNumber("01", "24"))
        const failed = yield* untilMessage(customerId, message.id, (m) => m.status === "failed")
        expect([failed.channel, failed.fallback?.reason.code]).toEqual(["sms", "131026"])
        expect(failed.statusHistory.map((h) => [h.status, h.channel])).toEqual([
          ["queued", "whatsapp"],
          ["sent", "whatsapp"],
          ["failed", "sms"]
        ])
        expect(failed.pricing.correctedPrice).toBe(0)
        expect(yield* ledgerSumsToBalance(customerId)).toBe(1_000_000)
      }))

    it.effect("fails a forced WhatsApp send (charged, accepted) and still takes WhatsApp from the contact", () =>
      Effect.gen(function*() {
        const { customerId, template } = yield* customerWithTemplate(1_000_000)
        const { message } = yield* send(customerId, template.id, usNumber("41", "21"), "whatsapp")
        const failed = yield* untilMessage(customerId, message.id, (m) => m.status === "failed")
        expect(failed.channel).toBe("whatsapp")
        expect(failed.fallback).toBeUndefined()
        expect(failed.error).toMatchObject({ code: "131026", permanent: true })
        expect(failed.statusHistory.map((h) => h.status)).toEqual(["queued", "sent", "failed"])
        expect(failed.pricing.correctedPrice).toBe(whatsAppPrice)
        expect(yield* contactChannels(customerId, failed)).toEqual(["sms"])
        expect(yield* ledgerSumsToBalance(customerId)).toBe(1_000_000 - whatsAppPrice)
      }))

    it.effect("does not fall back when the template is WhatsApp-only or the balance cannot cover the SMS quote", () =>
      Effect.gen(function*() {
        const { customerId } = yield* customerWithTemplate(1_000_000)
        const whatsAppOnly = yield* Effect.flatMap(TemplateCatalog.TemplateCatalog, (catalog) =>
          catalog.create(customerId, { name: "wa", body: "Hi {{name}}, your code is {{code}}", channels: ["whatsapp"] }))
        const { message } = yield* send(customerId, whatsAppOnly.id, usNumber("41", "22"))
        const failed = yield* untilMessage(customerId, message.id, (m) => m.status === "failed")
        expect([failed.channel, failed.fallback, failed.error?.code]).toEqual(["whatsapp", undefined, "131026"])

        // Exactly the WhatsApp price left: the SMS quote's extra 2,500 is not covered, nothing is overdrawn.
        const poor = yield* customerWithTemplate(whatsAppPrice)
        const { message: unaffordable } = yield* send(poor.customerId, poor.template.id, usNumber("41", "23"))
        const charged = yield* untilMessage(poor.customerId, unaffordable.id, (m) => m.status === "failed")
        expect([charged.channel, charged.fallback, charged.pricing.correctedPrice]).toEqual(["whatsapp", undefined, whatsAppPrice])
        expect(yield* ledgerSumsToBalance(poor.customerId)).toBe(0)
      }))
  })
})
