/**
 * Bad input at every write endpoint — malformed JSON, wrong types, missing and extra fields, huge
 * strings, wrong content types — never yields a 5xx, always answers the envelope, and stores nothing.
 */
import type { HttpClient } from "@effect/platform"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, FastCheck as fc, Runtime } from "effect"
import { adminKey, codeOf, customer, raw, usNumber, world } from "./fixtures.js"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** A write endpoint and a body it accepts, from which bad bodies are derived. */
interface Target {
  readonly method: "POST" | "PUT"
  readonly path: string
  readonly headers: Record<string, string>
  readonly valid: { readonly [key: string]: Json } | ReadonlyArray<Json>
  /** Fields that must be present (removing one makes the body invalid). */
  readonly required: ReadonlyArray<string>
  /** Fields whose type is checked (a value of another JSON type makes the body invalid). */
  readonly typed: ReadonlyArray<string>
}

/** Values no field accepts: every field is a string, a number, an array of strings or a record of strings. */
const wrongType = fc.oneof(
  fc.boolean(),
  fc.array(fc.integer(), { minLength: 1, maxLength: 3 }),
  fc.dictionary(fc.string({ minLength: 1 }), fc.integer(), { minKeys: 1, maxKeys: 2 })
)
const extraFields = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "__proto__"), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })

const huge = "x".repeat(1024 * 1024 + 16)

/** A bad request for a target: body text, content type, and what it breaks. */
const badRequest = (target: Target) => {
  const valid = target.valid
  const asObject = Array.isArray(valid) ? undefined : (valid as { readonly [key: string]: Json })
  const malformed = fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom("{", "}", ",", "\u0000", "'", "]")).map(
    ([value, junk]) => ({ body: `${JSON.stringify(value)}${junk}`, contentType: "application/json" })
  )
  const notAnObject = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 })).map(
    (value) => ({ body: JSON.stringify(Array.isArray(valid) ? { rows: value } : value), contentType: "application/json" })
  )
  const wrongContentType = fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/xml", "").map((contentType) => ({
    body: JSON.stringify(valid),
    contentType
  }))
  const tooLarge = fc.constant({ body: JSON.stringify({ ...asObject, padding: huge }), contentType: "application/json" })
  const variants = [malformed, notAnObject, wrongContentType, tooLarge]
  if (asObject !== undefined && target.typed.length > 0) {
    variants.push(
      fc.tuple(fc.constantFrom(...target.typed), wrongType, extraFields).map(([field, value, extra]) => ({
        body: JSON.stringify({ ...extra, ...asObject, [field]: value }),
        contentType: "application/json"
      }))
    )
  }
  if (asObject !== undefined && target.required.length > 0) {
    variants.push(
      fc.tuple(fc.constantFrom(...target.required), extraFields).map(([field, extra]) => {
        const { [field]: _removed, ...rest } = { ...extra, ...asObject }
        return { body: JSON.stringify(rest), contentType: "application/json" }
      })
    )
  }
  if (Array.isArray(valid)) {
    variants.push(
      fc.tuple(fc.constantFrom("channel", "countryCode", "price"), wrongType).map(([field, value]) => ({
        body: JSON.stringify(valid.map((row) => ({ ...(row as object), [field]: value }))),
        contentType: "application/json"
      }))
    )
  }
  return fc.oneof(...variants)
}

describe("bad input", () => {
  layer(world(), { excludeTestServices: true, timeout: "180 seconds" })((it) => {
    it.effect("never a 5xx, always the envelope, nothing stored", () =>
      Effect.gen(function*() {
        const owner = yield* customer(2)
        const template = yield* owner.api.templates.create({ payload: { name: "t", body: "Hi {{name}}" } })
        const contact = yield* owner.api.contacts.create({ payload: { phoneNumber: usNumber("10") } })
        const webhook = yield* owner.api.webhooks.create({ payload: { url: "http://127.0.0.1:9/hook" } })
        const customerKey = { "x-api-key": owner.apiKey }
        const operator = { "x-admin-key": adminKey }

        const targets: ReadonlyArray<Target> = [
          {
            method: "POST",
            path: "/v1/messages",
            headers: customerKey,
            valid: { contactId: contact.id, templateId: template.id, templateVariables: { name: "A" }, channel: "sms" },
            required: ["templateId"],
            typed: ["contactId", "templateId", "templateVariables", "channel"]
          },
          {
            method: "POST",
            path: "/v1/messages",
            headers: customerKey,
            valid: { phoneNumber: usNumber("20"), templateId: template.id, templateVariables: { name: "A" } },
            required: ["templateId", "phoneNumber"],
            typed: ["phoneNumber", "templateId", "templateVariables"]
          },
          { method: "POST", path: "/v1/contacts", headers: customerKey, valid: { phoneNumber: usNumber("30"), name: "B" }, required: ["phoneNumber"], typed: ["phoneNumber", "name"] },
          { method: "POST", path: "/v1/templates", headers: customerKey, valid: { name: "n", body: "b", category: "UTILITY" }, required: ["name", "body"], typed: ["name", "body", "category", "channels"] },
          {
            method: "POST",
            path: `/v1/templates/${template.id}/preview`,
            headers: customerKey,
            valid: { templateVariables: { name: "A" } },
            required: [],
            typed: ["templateVariables", "phoneNumber", "channel"]
          },
          { method: "POST", path: "/v1/webhooks", headers: customerKey, valid: { url: "http://127.0.0.1:9/other" }, required: ["url"], typed: ["url", "eventTypes"] },
          { method: "POST", path: `/v1/webhooks/${webhook.id}/replay`, headers: customerKey, valid: { since: new Date(0).toISOString() }, required: ["since"], typed: ["since", "until"] },
          { method: "POST", path: "/admin/customers", headers: operator, valid: { name: "Evil" }, required: ["name"], typed: ["name"] },
          { method: "POST", path: `/admin/customers/${owner.id}/top-up`, headers: operator, valid: { amount: 5 }, required: ["amount"], typed: ["amount"] },
          { method: "PUT", path: "/admin/rates", headers: operator, valid: [{ channel: "sms", countryCode: "FR", price: 0.09 }], required: [], typed: [] }
        ]

        const snapshot = Effect.gen(function*() {
          const { api } = owner
          return {
            balance: yield* api.balance.balance(),
            ledger: yield* api.balance.ledger({ urlParams: { limit: 200 } }),
            contacts: yield* api.contacts.list({ urlParams: { limit: 200 } }),
            templates: yield* api.templates.list({ urlParams: { limit: 200 } }),
            messages: yield* api.messages.list({ urlParams: { limit: 200 } }),
            webhooks: yield* api.webhooks.list({ urlParams: { limit: 200 } })
          }
        })
        const before = yield* snapshot
        const runtime = yield* Effect.runtime<HttpClient.HttpClient>()
        const run = Runtime.runPromise(runtime)

        for (const target of targets) {
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(badRequest(target), async ({ body, contentType }) => {
                const response = await run(
                  raw(target.method, target.path, {
                    headers: target.headers,
                    body,
                    ...(contentType === "" ? {} : { contentType })
                  })
                )
                expect(response.status, `${target.path} ${body.slice(0, 120)}`).toBeGreaterThanOrEqual(400)
                expect(response.status, `${target.path} ${body.slice(0, 120)}`).toBeLessThan(500)
                expect(codeOf(response.body), `${target.path} ${body.slice(0, 120)}`).toMatch(/^[A-Z_]+$/)
              }),
              { numRuns: 40 }
            )
          )
        }
        expect(yield* snapshot).toEqual(before)
        const rates = yield* raw("PUT", "/admin/rates", { headers: operator, body: "[]", contentType: "application/json" })
        expect((rates.body as { data: ReadonlyArray<{ countryCode: string }> }).data.map((r) => r.countryCode)).not.toContain("FR")
      }))
  })
})
