import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { Ids } from "@sent/core"
import { Sqlite } from "@sent/sql"
import { Signature, UrlPolicy, WebhookEndpoints } from "../src/index.js"
import { makeCustomer, storeLayer } from "./support.js"

const code = <A, E extends { readonly code: string }, R>(self: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.either(self), Either.match({ onLeft: (e) => e.code, onRight: () => "ok" }))

describe("WebhookEndpoints", () => {
  it.live("creates endpoints with a whsec_ secret, lists, gets and deletes them", () =>
    Effect.gen(function* () {
      const customerId = yield* makeCustomer
      const endpoints = yield* WebhookEndpoints.WebhookEndpoints
      const a = yield* endpoints.create(customerId, { url: "http://127.0.0.1:4000/hooks" })
      yield* Effect.sleep("2 millis")
      const b = yield* endpoints.create(customerId, { url: "https://example.com/b", eventTypes: ["message.status.updated"] })
      expect(a).toMatchObject({ url: "http://127.0.0.1:4000/hooks", eventTypes: ["message.status.updated"], enabled: true })
      expect(a.secret).toMatch(/^whsec_/)
      expect(Signature.secretKey(a.secret)).toHaveLength(32)
      expect((yield* endpoints.list(customerId, { limit: 10 })).data.map((e) => e.id)).toEqual([b.id, a.id])
      expect(yield* endpoints.get(customerId, a.id)).toEqual(a)
      yield* endpoints.delete(customerId, a.id)
      expect(yield* code(endpoints.get(customerId, a.id))).toBe("NOT_FOUND")
      expect(yield* code(endpoints.delete(customerId, a.id))).toBe("NOT_FOUND")
    }).pipe(Effect.provide(storeLayer())))

  it.effect("answers NotFound for another customer's endpoint, whatever the operation", () =>
    Effect.gen(function* () {
      const owner = yield* makeCustomer
      const other = yield* makeCustomer
      const endpoints = yield* WebhookEndpoints.WebhookEndpoints
      const { id } = yield* endpoints.create(owner, { url: "http://127.0.0.1:4000/hooks" })
      const range = { since: new Date(0) }
      expect(
        yield* Effect.all([
          code(endpoints.get(other, id)),
          code(endpoints.delete(other, id)),
          code(endpoints.rotateSecret(other, id)),
          code(endpoints.test(other, id)),
          code(endpoints.deliveries(other, id, { limit: 10 })),
          code(endpoints.replay(other, id, range))
        ])
      ).toEqual(Array(6).fill("NOT_FOUND"))
      expect((yield* endpoints.list(other, { limit: 10 })).data).toEqual([])
      expect((yield* endpoints.get(owner, id)).id).toBe(id)
    }).pipe(Effect.provide(storeLayer())))

  it.effect("refuses forbidden URLs with WEBHOOK_URL_FORBIDDEN unless private targets are allowed", () =>
    Effect.gen(function* () {
      const customerId = yield* makeCustomer
      const endpoints = yield* WebhookEndpoints.WebhookEndpoints
      for (const url of ["http://127.0.0.1:4000/", "http://localhost/", "http://[::ffff:10.0.0.1]/", "ftp://example.com/", "https://a:b@example.com/"]) {
        expect([url, yield* code(endpoints.create(customerId, { url }))]).toEqual([url, "WEBHOOK_URL_FORBIDDEN"])
      }
      expect(yield* code(endpoints.create(customerId, { url: "https://8.8.8.8/hooks" }))).toBe("ok")
      expect(yield* code(endpoints.create(customerId, { url: "https://8.8.8.8/hooks", eventTypes: [] }))).toBe("VALIDATION_FAILED")
      expect((yield* endpoints.list(customerId, { limit: 10 })).data).toHaveLength(1)
    }).pipe(
      Effect.provide(
        WebhookEndpoints.layer().pipe(
          Layer.provide(UrlPolicy.layer({ allowPrivate: false })),
          Layer.provideMerge(Layer.orDie(Sqlite.layer({ filename: ":memory:" })))
        )
      )
    ))

  it.effect("replays one event to an endpoint that had it; any other event is NOT_FOUND", () =>
    Effect.gen(function* () {
      const owner = yield* makeCustomer
      const other = yield* makeCustomer
      const endpoints = yield* WebhookEndpoints.WebhookEndpoints
      const { id } = yield* endpoints.create(owner, { url: "http://127.0.0.1:4000/hooks" })
      const { id: sibling } = yield* endpoints.create(owner, { url: "http://127.0.0.1:4000/other" })
      const { eventId } = yield* endpoints.test(owner, id)
      expect(yield* endpoints.replayEvent(owner, id, eventId)).toEqual({ replayed: 1 })
      expect(yield* endpoints.replayEvent(owner, id, eventId)).toEqual({ replayed: 1 })
      expect(
        yield* Effect.all([
          code(endpoints.replayEvent(owner, sibling, eventId)),
          code(endpoints.replayEvent(other, id, eventId)),
          code(endpoints.replayEvent(owner, id, Ids.EventId.make("0190a5b2-0000-7000-8000-000000000000")))
        ])
      ).toEqual(Array(3).fill("NOT_FOUND"))
    }).pipe(Effect.provide(storeLayer())))

  it.effect("rejects a replay range that ends before it starts", () =>
    Effect.gen(function* () {
      const customerId = yield* makeCustomer
      const endpoints = yield* WebhookEndpoints.WebhookEndpoints
      const { id } = yield* endpoints.create(customerId, { url: "http://127.0.0.1:4000/hooks" })
      expect(yield* code(endpoints.replay(customerId, id, { since: new Date(10), until: new Date(5) }))).toBe("VALIDATION_FAILED")
    }).pipe(Effect.provide(storeLayer())))
})
