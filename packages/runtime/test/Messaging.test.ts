/**
 * The send path, as one suite over a store: it runs on SQLite (a file) and on PostgreSQL (a fresh
 * database), where the concurrent sends contend for real row locks.
 */
import { Accounts, ContactBook, Errors, Messaging, Money } from "@sent/core"
import { Storage } from "@sent/core"
import { Sqlite } from "@sent/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Either, type Layer, Option } from "effect"
import type * as SentLayer from "../src/SentLayer.js"
import { customerWithTemplate, ledgerSum, tempDatabase, usNumber, worldOver } from "./fixtures.js"
import * as Pg from "./postgres.js"

const smsPrice = 7_500 // the default `*` SMS rate, one segment

/** The send-path suite over the store `store`. */
const suite = <E>(name: string, store: Layer.Layer<SentLayer.StoragePorts, E>) =>
  describe(`send (${name})`, () => {
    layer(worldOver(store, { workers: false }), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
      it.effect("200 concurrent sends against a balance covering exactly 100: 100 succeed, the balance ends at 0", () =>
        Effect.gen(function*() {
          const { customerId, template } = yield* customerWithTemplate(100 * smsPrice)
          const messaging = yield* Messaging.Messaging
          const contact = yield* Effect.flatMap(ContactBook.ContactBook, (book) =>
            book.create(customerId, { phoneNumber: usNumber("03") }))
          const results = yield* Effect.forEach(
            Array.from({ length: 200 }, (_, i) => i),
            (i) =>
              Effect.either(messaging.send(customerId, {
                contactId: contact.contact.id,
                templateId: template.id,
                templateVariables: { name: "Ada", code: String(i) }
              })),
            { concurrency: 200 }
          )
          const succeeded = results.filter(Either.isRight)
          const failed = results.filter(Either.isLeft)
          expect(succeeded).toHaveLength(100)
          expect(failed).toHaveLength(100)
          for (const failure of failed) expect(failure.left).toBeInstanceOf(Errors.InsufficientBalance)
          const { balance } = yield* Effect.flatMap(Accounts.Accounts, (a) => a.balance(customerId))
          expect(balance).toBe(0)
          expect(yield* ledgerSum(customerId)).toBe(balance)
          const listed = yield* messaging.list(customerId, {}, { limit: 200 })
          expect(listed.data).toHaveLength(100)
        }))

      it.effect("a send answers the committed queued message, priced and debited", () =>
        Effect.gen(function*() {
          const { customerId, template } = yield* customerWithTemplate(1_000_000)
          const messaging = yield* Messaging.Messaging
          const { message } = yield* messaging.send(customerId, {
            phoneNumber: usNumber("03", "02"),
            templateId: template.id,
            templateVariables: { name: "Ada", code: "42", unused: "ignored" }
          })
          expect(message.status).toBe("queued")
          expect(message.channel).toBe("sms") // ending 03 has no WhatsApp
          expect(message.messageBody).toBe("Hi Ada, your code is 42")
          expect(message.statusHistory.map((h) => h.status)).toEqual(["queued"])
          expect(message.pricing).toEqual({ originalPrice: smsPrice, correctedPrice: null, currency: "USD" })
          expect(yield* messaging.get(customerId, message.id)).toEqual(message)
          const { balance } = yield* Effect.flatMap(Accounts.Accounts, (a) => a.balance(customerId))
          expect(balance).toBe(1_000_000 - smsPrice)
        }))

      it.effect("automatic selection prefers WhatsApp when the contact has it", () =>
        Effect.gen(function*() {
          const { customerId, template } = yield* customerWithTemplate(1_000_000)
          const { message } = yield* Effect.flatMap(Messaging.Messaging, (m) =>
            m.send(customerId, { phoneNumber: usNumber("55", "03"), templateId: template.id, templateVariables: { name: "A", code: "1" } }))
          expect(message.channel).toBe("whatsapp")
          expect(message.pricing.originalPrice).toBe(5_000)
        }))

      it.effect("every refused send has its error and stores nothing", () =>
        Effect.gen(function*() {
          const { customerId, template } = yield* customerWithTemplate(smsPrice - 1)
          const messaging = yield* Messaging.Messaging
          const contacts = yield* Storage.Contacts
          const vars = { name: "Ada", code: "1" }
          const fresh = usNumber("03", "04")
          const attempts: ReadonlyArray<[Messaging.SendRequest, string]> = [
            [{ templateId: template.id, templateVariables: vars }, "VALIDATION_FAILED"],
            [{ phoneNumber: fresh, contactId: "0190a0b0-0000-7000-8000-000000000000" as never, templateId: template.id }, "VALIDATION_FAILED"],
            [{ phoneNumber: "+1 555", templateId: template.id, templateVariables: vars }, "INVALID_PHONE_NUMBER"],
            [{ phoneNumber: fresh, templateId: "0190a0b0-0000-7000-8000-000000000000" as never }, "NOT_FOUND"],
            [{ contactId: "0190a0b0-0000-7000-8000-000000000000" as never, templateId: template.id }, "NOT_FOUND"],
            [{ phoneNumber: fresh, templateId: template.id, templateVariables: vars, channel: "whatsapp" }, "CHANNEL_UNAVAILABLE"],
            [{ phoneNumber: fresh, templateId: template.id, templateVariables: { name: "Ada" } }, "TEMPLATE_VARIABLES_MISSING"],
            [{ phoneNumber: fresh, templateId: template.id, templateVariables: vars }, "INSUFFICIENT_BALANCE"]
          ]
          for (const [request, code] of attempts) {
            const error = yield* Effect.flip(messaging.send(customerId, request))
            expect(error.code).toBe(code)
          }
          expect(Option.isNone(yield* contacts.findByPhoneNumber(customerId, fresh))).toBe(true)
          expect((yield* messaging.list(customerId, {}, { limit: 10 })).data).toHaveLength(0)
          const { balance } = yield* Effect.flatMap(Accounts.Accounts, (a) => a.balance(customerId))
          expect(balance).toBe(smsPrice - 1)
          expect(yield* ledgerSum(customerId)).toBe(balance)
        }))

      it.effect("idempotency: a repeat answers the first result and sends nothing more; another body conflicts", () =>
        Effect.gen(function*() {
          const { customerId, template } = yield* customerWithTemplate(1_000_000)
          const messaging = yield* Messaging.Messaging
          const request = { phoneNumber: usNumber("03", "05"), templateId: template.id, templateVariables: { name: "A", code: "7" } }
          const first = yield* messaging.send(customerId, request, "key-1")
          const again = yield* messaging.send(customerId, { templateVariables: { code: "7", name: "A" }, templateId: template.id, phoneNumber: request.phoneNumber }, "key-1")
          expect(again.replayed).toBe(true)
          expect(again.message).toEqual(first.message)
          const conflict = yield* Effect.flip(messaging.send(customerId, { ...request, templateVariables: { name: "B", code: "7" } }, "key-1"))
          expect(conflict).toBeInstanceOf(Errors.IdempotencyConflict)
          expect((yield* messaging.list(customerId, {}, { limit: 10 })).data).toHaveLength(1)
          const concurrent = yield* Effect.forEach([1, 2, 3, 4, 5], () => messaging.send(customerId, request, "key-2"), { concurrency: 5 })
          expect(new Set(concurrent.map((r) => r.message.id)).size).toBe(1)
          expect((yield* messaging.list(customerId, {}, { limit: 10 })).data).toHaveLength(2)
          const { balance } = yield* Effect.flatMap(Accounts.Accounts, (a) => a.balance(customerId))
          expect(balance).toBe(1_000_000 - 2 * smsPrice)
        }))

      it.effect("a failed request is not remembered: the key may be used again", () =>
        Effect.gen(function*() {
          const { customerId, template } = yield* customerWithTemplate(0)
          const messaging = yield* Messaging.Messaging
          const request = { phoneNumber: usNumber("03", "06"), templateId: template.id, templateVariables: { name: "A", code: "7" } }
          expect((yield* Effect.flip(messaging.send(customerId, request, "key"))).code).toBe("INSUFFICIENT_BALANCE")
          yield* Effect.flatMap(Accounts.Accounts, (a) => a.topUp(customerId, Money.micros(smsPrice)))
          expect((yield* messaging.send(customerId, request, "key")).replayed).toBe(false)
        }))

      it.effect("cursor pagination never skips or repeats, newest first, with filters", () =>
        Effect.gen(function*() {
          const { customerId, template } = yield* customerWithTemplate(10_000_000)
          const messaging = yield* Messaging.Messaging
          const sent: Array<string> = []
          for (let i = 0; i < 23; i++) {
            const { message } = yield* messaging.send(customerId, {
              phoneNumber: usNumber("03", String(10 + (i % 3))),
              templateId: template.id,
              templateVariables: { name: "A", code: String(i) }
            })
            sent.push(message.id)
          }
          const seen: Array<string> = []
          let cursor: string | undefined
          do {
            const page = yield* messaging.list(customerId, {}, { limit: 5, cursor })
            seen.push(...page.data.map((m) => m.id))
            cursor = page.nextCursor ?? undefined
          } while (cursor !== undefined)
          expect(seen).toEqual([...sent].reverse())
          const other = yield* customerWithTemplate(0)
          expect((yield* messaging.list(other.customerId, {}, { limit: 50 })).data).toHaveLength(0)
          expect((yield* Effect.flip(messaging.get(other.customerId, sent[0] as never))).code).toBe("NOT_FOUND")
          expect((yield* messaging.list(customerId, { channel: "whatsapp" }, { limit: 50 })).data).toHaveLength(0)
          expect((yield* messaging.list(customerId, { status: "queued" }, { limit: 50 })).data).toHaveLength(23)
        }))
    })
  })

suite("SQLite", Sqlite.layer({ filename: tempDatabase() }))

await Pg.describeWhenReachable("send (PostgreSQL)", () => suite("PostgreSQL", Pg.freshStore))
