/** Every failure answers the envelope with its status and code, including the platform's own. */
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { codeOf, customer, json, raw, world } from "./fixtures.js"

describe("error envelope", () => {
  layer(world(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    it.effect("malformed JSON, wrong types, unknown routes, missing keys, big bodies and wrong content types", () =>
      Effect.gen(function*() {
        const { apiKey } = yield* customer()
        const key = { "x-api-key": apiKey }

        const malformed = yield* raw("POST", "/v1/messages", { body: "{bad", contentType: "application/json", headers: key })
        expect([malformed.status, codeOf(malformed.body)]).toEqual([400, "VALIDATION_FAILED"])

        const wrongType = yield* json("POST", "/v1/messages", { templateId: 5 }, key)
        expect([wrongType.status, codeOf(wrongType.body)]).toEqual([400, "VALIDATION_FAILED"])
        expect(wrongType.body).toMatchObject({ error: { details: [{ field: "templateId" }] } })

        const unknownRoute = yield* raw("GET", "/nope")
        expect([unknownRoute.status, codeOf(unknownRoute.body)]).toEqual([404, "NOT_FOUND"])

        const noKey = yield* json("POST", "/v1/messages", { templateId: 5 })
        expect([noKey.status, codeOf(noKey.body)]).toEqual([401, "UNAUTHORIZED"])

        const form = yield* raw("POST", "/v1/contacts", { body: "a=b", contentType: "application/x-www-form-urlencoded", headers: key })
        expect([form.status, codeOf(form.body)]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"])

        const big = yield* raw("POST", "/v1/contacts", { body: "x".repeat(2_000_000), contentType: "application/json", headers: key })
        expect([big.status, codeOf(big.body)]).toEqual([413, "PAYLOAD_TOO_LARGE"])

        const limit = yield* raw("GET", "/v1/messages?limit=500", { headers: key })
        expect([limit.status, codeOf(limit.body)]).toEqual([400, "VALIDATION_FAILED"])
      }))
  })
})
