/** Every endpoint of API.md through the typed client (and raw requests where the status is the point). */
import { HttpClient } from "@effect/platform"
import { describe, expect, layer } from "@effect/vitest"
import { Errors, Money } from "@sent/core"
import { Effect, Either } from "effect"
import { adminClient, adminKey, client, codeOf, customer, json, raw, usNumber, world } from "./fixtures.js"

const flipped = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flip(effect)

/** A GET whose body is not JSON. */
const rawText = (path: string) =>
  Effect.flatMap(HttpClient.HttpClient, (http) =>
    Effect.flatMap(http.get(path), (response) =>
      Effect.map(response.text, (text) => ({ status: response.status, contentType: response.headers["content-type"] ?? "", text }))))

describe("endpoints", () => {
  layer(world(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("operator: customers, API keys, top-ups and the rate card", () =>
      Effect.gen(function*() {
        const created = yield* json("POST", "/admin/customers", { name: "Acme" }, { "x-admin-key": adminKey })
        expect(created.status).toBe(201)
        const { id, apiKey } = created.body as { id: string; apiKey: string; name: string }
        expect(created.body).toMatchObject({ name: "Acme" })
        expect(apiKey).toMatch(/^sent_/)

        const issued = yield* raw("POST", `/admin/customers/${id}/api-keys`, { headers: { "x-admin-key": adminKey } })
        expect(issued.status).toBe(201)
        const second = yield* client((issued.body as { apiKey: string }).apiKey)
        expect(yield* second.balance.balance()).toEqual({ balance: 0, currency: "USD" })

        const topped = yield* json("POST", `/admin/customers/${id}/top-up`, { amount: 12.5 }, { "x-admin-key": adminKey })
        expect([topped.status, topped.body]).toEqual([200, { balance: 12.5, currency: "USD" }])

        const admin = yield* adminClient
        const card = yield* admin.admin.setRates({ payload: [{ channel: "sms", countryCode: "GB", price: Money.micros(40_000) }] })
        expect(card.data).toContainEqual({ channel: "sms", countryCode: "GB", price: 40_000 })
        expect(card.data.some((rate) => rate.countryCode === "*")).toBe(true)
        const put = yield* json("PUT", "/admin/rates", [{ channel: "whatsapp", countryCode: "*", price: 0.005 }], { "x-admin-key": adminKey })
        expect(put.status).toBe(200)

        const missingKey = yield* json("POST", "/admin/customers", { name: "x" })
        expect([missingKey.status, codeOf(missingKey.body)]).toEqual([401, "UNAUTHORIZED"])
        const wrongKey = yield* json("POST", "/admin/customers", { name: "x" }, { "x-admin-key": "nope" })
        expect([wrongKey.status, codeOf(wrongKey.body)]).toEqual([401, "UNAUTHORIZED"])
        const customerKeyIsNotAdmin = yield* json("POST", "/admin/customers", { name: "x" }, { "x-admin-key": apiKey })
        expect(customerKeyIsNotAdmin.status).toBe(401)

        const unknown = yield* json("POST", "/admin/customers/00000000-0000-4000-8000-000000000000/top-up", { amount: 1 }, { "x-admin-key": adminKey })
        expect([unknown.status, codeOf(unknown.body)]).toEqual([404, "NOT_FOUND"])
        const sevenDecimals = yield* json("POST", `/admin/customers/${id}/top-up`, { amount: 1.0000001 }, { "x-admin-key": adminKey })
        expect([sevenDecimals.status, codeOf(sevenDecimals.body)]).toEqual([400, "VALIDATION_FAILED"])
        expect(sevenDecimals.body).toMatchObject({ error: { details: [{ field: "amount" }] } })
        const negative = yield* json("POST", `/admin/customers/${id}/top-up`, { amount: -1 }, { "x-admin-key": adminKey })
        expect(negative.status).toBe(400)
      }))

    it.effect("contacts: create (201, then 200 for the same number), get, list with cursor, delete", () =>
      Effect.gen(function*() {
        const { apiKey, api } = yield* customer()
        const key = { "x-api-key": apiKey }
        const first = yield* json("POST", "/v1/contacts", { phoneNumber: "+1 415 555 0123", name: "Ada" }, key)
        expect(first.status).toBe(201)
        expect(first.body).toMatchObject({ phoneNumber: "+14155550123", countryCode: "US", name: "Ada" })
        const again = yield* json("POST", "/v1/contacts", { phoneNumber: "+14155550123", name: "Other" }, key)
        expect([again.status, again.body]).toEqual([200, first.body])

        const contact = yield* api.contacts.get({ path: { id: (first.body as { id: string }).id } })
        expect(contact.availableChannels).toContain("sms")
        yield* api.contacts.create({ payload: { phoneNumber: usNumber("11") } })
        const page = yield* api.contacts.list({ urlParams: { limit: 1 } })
        expect(page.data).toHaveLength(1)
        expect(page.nextCursor).not.toBeNull()
        const next = yield* api.contacts.list({ urlParams: { limit: 1, cursor: page.nextCursor! } })
        expect(next.data[0]!.id).toBe(contact.id)

        const deleted = yield* raw("DELETE", `/v1/contacts/${contact.id}`, { headers: key })
        expect([deleted.status, deleted.body]).toEqual([204, null])
        expect(yield* flipped(api.contacts.get({ path: { id: contact.id } }))).toBeInstanceOf(Errors.NotFound)
        const invalid = yield* json("POST", "/v1/contacts", { phoneNumber: "12345" }, key)
        expect([invalid.status, codeOf(invalid.body)]).toEqual([400, "INVALID_PHONE_NUMBER"])
        const malformedId = yield* raw("GET", "/v1/contacts/not-a-guid", { headers: key })
        expect([malformedId.status, codeOf(malformedId.body)]).toEqual([404, "NOT_FOUND"])
      }))

    it.effect("templates: create, get, list, delete, preview", () =>
      Effect.gen(function*() {
        const { apiKey, api } = yield* customer()
        const created = yield* json("POST", "/v1/templates", { name: "otp", body: "Hi {{name}}, code {{code}}" }, { "x-api-key": apiKey })
        expect(created.status).toBe(201)
        expect(created.body).toMatchObject({ category: "UTILITY", channels: ["sms", "whatsapp"], variables: ["name", "code"] })
        const id = (created.body as { id: string }).id
        expect((yield* api.templates.get({ path: { id } })).name).toBe("otp")
        expect((yield* api.templates.list({ urlParams: {} })).data.map((t) => t.id)).toEqual([id])

        const preview = yield* api.templates.preview({ path: { id }, payload: { templateVariables: { name: "Ada", code: "1" } } })
        expect(preview).toEqual({
          messageBody: "Hi Ada, code 1",
          channel: "sms",
          encoding: "GSM-7",
          segments: 1,
          estimatedPrice: 7_500,
          currency: "USD"
        })
        const unicode = yield* api.templates.preview({
          path: { id },
          payload: { templateVariables: { name: "Zoë ✓", code: "1" }, phoneNumber: usNumber("03") }
        })
        expect([unicode.encoding, unicode.channel]).toEqual(["UCS-2", "sms"])
        const whatsapp = yield* api.templates.preview({
          path: { id },
          payload: { templateVariables: { name: "A", code: "1" }, phoneNumber: usNumber("10") }
        })
        expect([whatsapp.channel, whatsapp.segments]).toEqual(["whatsapp", 1])
        const missing = yield* json("POST", `/v1/templates/${id}/preview`, { templateVariables: { name: "A" } }, { "x-api-key": apiKey })
        expect([missing.status, codeOf(missing.body)]).toEqual([422, "TEMPLATE_VARIABLES_MISSING"])

        const deleted = yield* raw("DELETE", `/v1/templates/${id}`, { headers: { "x-api-key": apiKey } })
        expect(deleted.status).toBe(204)
        const gone = yield* raw("GET", `/v1/templates/${id}`, { headers: { "x-api-key": apiKey } })
        expect([gone.status, codeOf(gone.body)]).toEqual([404, "NOT_FOUND"])
      }))

    it.effect("messages: send (202), idempotency, get, list with filters, and every refusal", () =>
      Effect.gen(function*() {
        const { apiKey, api } = yield* customer(0.05)
        const key = { "x-api-key": apiKey }
        const template = yield* api.templates.create({ payload: { name: "otp", body: "Your code is {{code}}" } })
        const body = { phoneNumber: usNumber("10"), templateId: template.id, templateVariables: { code: "1" }, channel: "sms" }

        const sent = yield* json("POST", "/v1/messages", body, { ...key, "idempotency-key": "k1" })
        expect(sent.status).toBe(202)
        const message = sent.body as { id: string; status: string; statusHistory: Array<{ status: string }>; contact: { id: string } }
        expect(message).toMatchObject({ status: "queued", channel: "sms", messageBody: "Your code is 1", channelResponse: null })
        expect(message.statusHistory.map((entry) => entry.status)).toEqual(["queued"])
        expect(sent.body).toMatchObject({ pricing: { originalPrice: 0.0075, correctedPrice: null, currency: "USD" } })

        const replay = yield* json("POST", "/v1/messages", { ...body, extra: "ignored" }, { ...key, "idempotency-key": "k1" })
        expect([replay.status, replay.body]).toEqual([202, sent.body])
        const conflict = yield* json("POST", "/v1/messages", { ...body, templateVariables: { code: "2" } }, { ...key, "idempotency-key": "k1" })
        expect([conflict.status, codeOf(conflict.body)]).toEqual([409, "IDEMPOTENCY_CONFLICT"])

        const got = yield* api.messages.get({ path: { id: message.id } })
        expect(got.id).toBe(message.id)
        yield* api.messages.send({ payload: { contactId: got.contact.id, templateId: template.id, templateVariables: { code: "3" } }, headers: {} })
        const all = yield* api.messages.list({ urlParams: {} })
        expect(all.data).toHaveLength(2)
        expect(all.nextCursor).toBeNull()
        const sms = yield* api.messages.list({ urlParams: { channel: "sms", contactId: got.contact.id, status: "queued" } })
        expect(sms.data.map((m) => m.id)).toEqual([message.id])

        const both = yield* json("POST", "/v1/messages", { ...body, contactId: got.contact.id }, key)
        expect([both.status, codeOf(both.body)]).toEqual([400, "VALIDATION_FAILED"])
        const neither = yield* json("POST", "/v1/messages", { templateId: template.id }, key)
        expect([neither.status, codeOf(neither.body)]).toEqual([400, "VALIDATION_FAILED"])
        const badPhone = yield* json("POST", "/v1/messages", { ...body, phoneNumber: "555" }, key)
        expect([badPhone.status, codeOf(badPhone.body)]).toEqual([400, "INVALID_PHONE_NUMBER"])
        const unknownTemplate = yield* json("POST", "/v1/messages", { ...body, templateId: "00000000-0000-4000-8000-000000000000" }, key)
        expect([unknownTemplate.status, codeOf(unknownTemplate.body)]).toEqual([404, "NOT_FOUND"])
        const noWhatsApp = yield* json("POST", "/v1/messages", { ...body, phoneNumber: usNumber("03"), channel: "whatsapp" }, key)
        expect([noWhatsApp.status, codeOf(noWhatsApp.body)]).toEqual([422, "CHANNEL_UNAVAILABLE"])
        const variables = yield* json("POST", "/v1/messages", { ...body, templateVariables: {} }, key)
        expect([variables.status, codeOf(variables.body)]).toEqual([422, "TEMPLATE_VARIABLES_MISSING"])
        const long = yield* api.templates.create({ payload: { name: "long", body: "x".repeat(4_000), channels: ["sms"] } })
        const poor = yield* json("POST", "/v1/messages", { phoneNumber: usNumber("12"), templateId: long.id }, key)
        expect([poor.status, codeOf(poor.body)]).toEqual([402, "INSUFFICIENT_BALANCE"])
        expect((yield* api.contacts.list({ urlParams: {} })).data.map((c) => c.phoneNumber)).not.toContain(usNumber("12"))
      }))

    it.effect("balance and ledger", () =>
      Effect.gen(function*() {
        const { api, apiKey } = yield* customer(1)
        const template = yield* api.templates.create({ payload: { name: "t", body: "Hello", channels: ["sms"] } })
        yield* api.messages.send({ payload: { phoneNumber: usNumber("10"), templateId: template.id }, headers: {} })
        expect(yield* api.balance.balance()).toEqual({ balance: 992_500, currency: "USD" })
        expect((yield* raw("GET", "/v1/balance", { headers: { "x-api-key": apiKey } })).body).toEqual({ balance: 0.9925, currency: "USD" })
        const ledger = yield* api.balance.ledger({ urlParams: {} })
        expect(ledger.data.map((entry) => [entry.reason, entry.amount])).toEqual([["message_charge", -7_500], ["top_up", 1_000_000]])
      }))

    it.effect("webhooks: create, list, get, rotate, test, deliveries, replay, delete", () =>
      Effect.gen(function*() {
        const { apiKey, api } = yield* customer()
        const key = { "x-api-key": apiKey }
        const created = yield* json("POST", "/v1/webhooks", { url: "http://127.0.0.1:9/hook" }, key)
        expect(created.status).toBe(201)
        const endpoint = created.body as { id: string; secret: string }
        expect(created.body).toMatchObject({ eventTypes: ["message.status.updated"], enabled: true })
        expect(endpoint.secret).toMatch(/^whsec_/)
        expect((yield* api.webhooks.get({ path: { id: endpoint.id } })).secret).toBe(endpoint.secret)
        expect((yield* api.webhooks.list({ urlParams: {} })).data).toHaveLength(1)

        const rotated = yield* raw("POST", `/v1/webhooks/${endpoint.id}/rotate-secret`, { headers: key })
        expect(rotated.status).toBe(200)
        expect((rotated.body as { secret: string }).secret).not.toBe(endpoint.secret)

        const tested = yield* raw("POST", `/v1/webhooks/${endpoint.id}/test`, { headers: key })
        expect(tested.status).toBe(202)
        expect(tested.body).toHaveProperty("eventId")
        // The log holds attempts; with the workers off there are none yet.
        const deliveries = yield* raw("GET", `/v1/webhooks/${endpoint.id}/deliveries?limit=10`, { headers: key })
        expect([deliveries.status, deliveries.body]).toEqual([200, { data: [], nextCursor: null }])

        const replayed = yield* json("POST", `/v1/webhooks/${endpoint.id}/replay`, { since: new Date(0).toISOString() }, key)
        expect([replayed.status, replayed.body]).toEqual([202, { replayed: 1 }])
        const badDate = yield* json("POST", `/v1/webhooks/${endpoint.id}/replay`, { since: "yesterday-ish" }, key)
        expect([badDate.status, codeOf(badDate.body)]).toEqual([400, "VALIDATION_FAILED"])
        const { eventId } = tested.body as { eventId: string }
        const one = yield* json("POST", `/v1/webhooks/${endpoint.id}/replay`, { eventId }, key)
        expect([one.status, one.body]).toEqual([202, { replayed: 1 }])
        const neverHad = yield* json("POST", `/v1/webhooks/${endpoint.id}/replay`, { eventId: endpoint.id }, key)
        expect([neverHad.status, codeOf(neverHad.body)]).toEqual([404, "NOT_FOUND"])
        for (const both of [{ eventId, since: new Date(0).toISOString() }, { eventId, until: new Date().toISOString() }, {}]) {
          const refused = yield* json("POST", `/v1/webhooks/${endpoint.id}/replay`, both, key)
          expect([refused.status, codeOf(refused.body)]).toEqual([400, "VALIDATION_FAILED"])
        }

        const forbidden = yield* json("POST", "/v1/webhooks", { url: "ftp://example.com/hook" }, key)
        expect([forbidden.status, codeOf(forbidden.body)]).toEqual([422, "WEBHOOK_URL_FORBIDDEN"])

        const deleted = yield* raw("DELETE", `/v1/webhooks/${endpoint.id}`, { headers: key })
        expect(deleted.status).toBe(204)
        expect(Either.isLeft(yield* Effect.either(api.webhooks.get({ path: { id: endpoint.id } })))).toBe(true)
      }))

    it.effect("public routes: health, OpenAPI, docs, dashboard", () =>
      Effect.gen(function*() {
        expect(yield* raw("GET", "/healthz")).toMatchObject({ status: 200, body: { status: "ok" } })
        const openapi = yield* raw("GET", "/openapi.json")
        expect(openapi.status).toBe(200)
        const paths = Object.keys((openapi.body as { paths: Record<string, unknown> }).paths)
        expect(paths).toEqual(expect.arrayContaining(["/v1/messages", "/v1/messages/{id}", "/admin/rates", "/providers/twilio/status"]))
        expect(paths).not.toContain("/")
        for (const path of ["/docs", "/", "/dashboard"]) {
          const page = yield* rawText(path)
          expect(page.status).toBe(200)
          expect(page.contentType).toContain("text/html")
        }
      }))
  })
})
