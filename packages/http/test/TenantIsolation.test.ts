/** Another customer's ids answer 404 exactly like ids that do not exist, for every resource. */
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { codeOf, customer, json, raw, usNumber, world } from "./fixtures.js"

const missing = "00000000-0000-4000-8000-000000000000"

describe("tenant isolation", () => {
  layer(world(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("contacts, templates, messages, webhooks, balance and ledger are the owner's alone", () =>
      Effect.gen(function*() {
        const owner = yield* customer(5)
        const other = yield* customer(1)
        const template = yield* owner.api.templates.create({ payload: { name: "t", body: "Hi {{name}}" } })
        const contact = yield* owner.api.contacts.create({ payload: { phoneNumber: usNumber("10") } })
        const message = yield* owner.api.messages.send({
          payload: { contactId: contact.id, templateId: template.id, templateVariables: { name: "A" } },
          headers: {}
        })
        const webhook = yield* owner.api.webhooks.create({ payload: { url: "http://127.0.0.1:9/hook" } })
        const key = { "x-api-key": other.apiKey }

        /** The other customer's answer for the owner's id, and for an id that exists nowhere. */
        const both = (method: "GET" | "POST" | "DELETE", path: (id: string) => string, id: string, body?: (id: string) => unknown) =>
          Effect.gen(function*() {
            const send = (target: string) =>
              body === undefined ? raw(method, path(target), { headers: key }) : json(method as "POST", path(target), body(target), key)
            const foreign = yield* send(id)
            const absent = yield* send(missing)
            expect([foreign.status, codeOf(foreign.body)]).toEqual([404, "NOT_FOUND"])
            expect([absent.status, codeOf(absent.body)]).toEqual([404, "NOT_FOUND"])
            // Exactly alike, apart from the id they name.
            expect(JSON.stringify(foreign.body).replaceAll(id, "ID")).toBe(JSON.stringify(absent.body).replaceAll(missing, "ID"))
          })

        yield* both("GET", (id) => `/v1/contacts/${id}`, contact.id)
        yield* both("DELETE", (id) => `/v1/contacts/${id}`, contact.id)
        yield* both("GET", (id) => `/v1/templates/${id}`, template.id)
        yield* both("DELETE", (id) => `/v1/templates/${id}`, template.id)
        yield* both("POST", (id) => `/v1/templates/${id}/preview`, template.id, () => ({ templateVariables: { name: "A" } }))
        yield* both("GET", (id) => `/v1/messages/${id}`, message.id)
        yield* both("GET", (id) => `/v1/webhooks/${id}`, webhook.id)
        yield* both("DELETE", (id) => `/v1/webhooks/${id}`, webhook.id)
        yield* both("POST", (id) => `/v1/webhooks/${id}/rotate-secret`, webhook.id)
        yield* both("POST", (id) => `/v1/webhooks/${id}/test`, webhook.id)
        yield* both("GET", (id) => `/v1/webhooks/${id}/deliveries`, webhook.id)
        yield* both("POST", (id) => `/v1/webhooks/${id}/replay`, webhook.id, () => ({ since: new Date(0).toISOString() }))
        // Ids inside a send's body.
        yield* both("POST", () => "/v1/messages", template.id, (id) => ({ phoneNumber: usNumber("11"), templateId: id }))
        const ownTemplate = yield* other.api.templates.create({ payload: { name: "t", body: "Hi" } })
        yield* both("POST", () => "/v1/messages", contact.id, (id) => ({ contactId: id, templateId: ownTemplate.id }))

        // Lists, balance and ledger show only the caller's own.
        expect((yield* other.api.contacts.list({ urlParams: {} })).data).toEqual([])
        expect((yield* other.api.templates.list({ urlParams: {} })).data.map((t) => t.id)).toEqual([ownTemplate.id])
        expect((yield* other.api.messages.list({ urlParams: {} })).data).toEqual([])
        expect((yield* other.api.messages.list({ urlParams: { contactId: contact.id } })).data).toEqual([])
        expect((yield* other.api.webhooks.list({ urlParams: {} })).data).toEqual([])
        expect(yield* other.api.balance.balance()).toMatchObject({ balance: 1_000_000 })
        expect((yield* other.api.balance.ledger({ urlParams: {} })).data.map((e) => e.amount)).toEqual([1_000_000])

        // And the owner still has everything.
        expect((yield* owner.api.messages.get({ path: { id: message.id } })).id).toBe(message.id)
        expect((yield* owner.api.webhooks.get({ path: { id: webhook.id } })).secret).toBe(webhook.secret)
        expect((yield* owner.api.contacts.get({ path: { id: contact.id } })).id).toBe(contact.id)
      }))
  })
})
