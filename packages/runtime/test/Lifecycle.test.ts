import { Accounts, ContactBook, type Ids, Messaging, StatusTracking, Storage } from "@sent/core"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { customerWithTemplate, isSettled, ledgerSum, untilMessage, usNumber, world } from "./fixtures.js"

const smsPrice = 7_500
const whatsAppPrice = 5_000

describe("message lifecycles with the simulated provider", () => {
  layer(world(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    const send = (customerId: Ids.CustomerId, templateId: Ids.TemplateId, phoneNumber: string, channel?: "sms" | "whatsapp") =>
      Effect.flatMap(Messaging.Messaging, (m) =>
        m.send(customerId, { phoneNumber, templateId, templateVariables: { name: "Ada", code: "1" }, channel }))

    it.effect("every ending reaches the outcome API.md states, and the ledger still sums to the balance", () =>
      Effect.gen(function*() {
        const { customerId, template } = yield* customerWithTemplate(10_000_000)
        const go = (ending: string, channel?: "sms" | "whatsapp") =>
          Effect.map(send(customerId, template.id, usNumber(ending, channel === "sms" ? "11" : "12"), channel), (r) => r.message)

        // Any other ending: delivered on SMS, read on WhatsApp.
        const plainSms = yield* go("55", "sms")
        const plainWhatsApp = yield* go("55")
        expect(plainWhatsApp.channel).toBe("whatsapp")
        const deliveredSms = yield* untilMessage(customerId, plainSms.id, isSettled)
        expect(deliveredSms.status).toBe("delivered")
        expect(deliveredSms.statusHistory.map((h) => h.status)).toEqual(["queued", "sent", "delivered"])
        expect(deliveredSms.pricing.correctedPrice).toBe(smsPrice)
        const read = yield* untilMessage(customerId, plainWhatsApp.id, (m) => m.status === "read")
        expect(read.statusHistory.map((h) => h.status)).toEqual(["queued", "sent", "delivered", "read"])
        expect(read.pricing.correctedPrice).toBe(whatsAppPrice)

        // 01: a permanent failure at the provider, before acceptance: failed, refunded.
        for (const channel of ["sms", "whatsapp"] as const) {
          const failed = yield* untilMessage(customerId, (yield* go("01", channel)).id, (m) => m.status === "failed")
          expect(failed.error?.permanent).toBe(true)
          expect(failed.pricing.correctedPrice).toBe(0)
          expect(failed.statusHistory.map((h) => h.status)).toEqual(["queued", "failed"])
        }

        // 02: two transient failures, then delivered.
        const retried = yield* untilMessage(customerId, (yield* go("02", "sms")).id, isSettled)
        expect(retried.status).toBe("delivered")

        // 03: no WhatsApp, so automatic selection picks SMS; forcing WhatsApp is refused at send time.
        const noWhatsApp = yield* go("03")
        expect(noWhatsApp.channel).toBe("sms")
        expect((yield* untilMessage(customerId, noWhatsApp.id, isSettled)).status).toBe("delivered")
        const forced = yield* Effect.flip(send(customerId, template.id, usNumber("03", "13"), "whatsapp"))
        expect(forced.code).toBe("CHANNEL_UNAVAILABLE")

        // 04: WhatsApp refuses the recipient; the automatic send falls back to SMS once, keeping its id.
        const fellBack = yield* untilMessage(customerId, (yield* go("04")).id, isSettled)
        expect(fellBack.status).toBe("delivered")
        expect(fellBack.channel).toBe("sms")
        expect(fellBack.fallback).toMatchObject({ from: "whatsapp", to: "sms", reason: { code: "131026" } })
        expect(fellBack.statusHistory.map((h) => [h.status, h.channel])).toEqual([
          ["queued", "whatsapp"],
          ["sent", "sms"],
          ["delivered", "sms"]
        ])
        expect(fellBack.pricing).toMatchObject({ originalPrice: whatsAppPrice, correctedPrice: smsPrice })
        // ...and a forced WhatsApp send to such a number fails, and the contact loses WhatsApp.
        const forcedNumber = usNumber("04", "14")
        const forced04 = yield* untilMessage(customerId, (yield* send(customerId, template.id, forcedNumber, "whatsapp")).message.id, (m) => m.status === "failed")
        expect(forced04.error).toMatchObject({ code: "131026", permanent: true })
        expect(forced04.pricing.correctedPrice).toBe(0)
        const contact = yield* Effect.flatMap(ContactBook.ContactBook, (book) => book.get(customerId, forced04.contact.id))
        expect(contact.availableChannels).toEqual(["sms"])

        // 05: accepted and never heard of again.
        const silent = yield* untilMessage(customerId, (yield* go("05", "sms")).id, (m) => m.status === "sent")
        expect(silent.pricing.correctedPrice).toBeNull()

        // 06: reports out of order and duplicated.
        const shuffledWhatsApp = yield* untilMessage(customerId, (yield* go("06")).id, (m) => m.status === "read")
        expect(shuffledWhatsApp.statusHistory.map((h) => h.status)).toEqual(["queued", "sent", "read"])
        const shuffledSms = yield* untilMessage(customerId, (yield* go("06", "sms")).id, isSettled)
        expect(shuffledSms.status).toBe("delivered")
        expect(shuffledSms.statusHistory.map((h) => h.status)).toEqual(["queued", "sent", "delivered"])

        // 07: accepted, then failed (undelivered): charged.
        const undelivered = yield* untilMessage(customerId, (yield* go("07", "sms")).id, (m) => m.status === "failed")
        expect(undelivered.statusHistory.map((h) => h.status)).toEqual(["queued", "sent", "failed"])
        expect(undelivered.error?.permanent).toBe(true)
        expect(undelivered.pricing.correctedPrice).toBe(smsPrice)

        const { balance } = yield* Effect.flatMap(Accounts.Accounts, (accounts) => accounts.balance(customerId))
        expect(yield* ledgerSum(customerId)).toBe(balance)
      }))

    it.effect("an acceptance recorded after its lease may have expired reads the message again: a send recorded meanwhile stands", () =>
      Effect.gen(function*() {
        const { customerId, template } = yield* customerWithTemplate(1_000_000)
        // 05: accepted, then silent — the message keeps the provider id its send recorded.
        const { message } = yield* send(customerId, template.id, usNumber("05", "15"), "sms")
        const sent = yield* untilMessage(customerId, message.id, (m) => m.status === "sent")
        const [record] = yield* Effect.flatMap(Storage.Messages, (messages) => messages.findMany([message.id]))
        // A worker whose lease ran out while its send hung: it read the message before the other send was recorded.
        const asReadBefore = { ...record!, status: "queued" as const, statusHistory: record!.statusHistory.slice(0, 1), provider: null, providerMessageId: null }
        const tracking = yield* StatusTracking.StatusTracking
        yield* tracking.commit(tracking.accepted([{
          messageId: message.id,
          provider: "simulated",
          accepted: { providerMessageId: "sim_late", channelResponse: { sid: "sim_late" } },
          claimed: { record: asReadBefore, validUntil: new Date(Date.now() - 1) }
        }]))
        const after = yield* Effect.flatMap(Messaging.Messaging, (m) => m.get(customerId, message.id))
        expect(after.statusHistory).toEqual(sent.statusHistory)
        expect(after.channelResponse).toEqual(sent.channelResponse)
        expect(after.channelResponse).not.toMatchObject({ sid: "sim_late" })
      }))
  })
})
