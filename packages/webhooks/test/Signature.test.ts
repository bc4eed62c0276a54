import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck } from "effect"
import { Webhook } from "standardwebhooks"
import { Signature, Verifier } from "../src/index.js"

describe("Signature", () => {
  it.effect("generates whsec_ secrets of 32 random bytes", () =>
    Effect.gen(function* () {
      const a = yield* Signature.generateSecret
      const b = yield* Signature.generateSecret
      expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
      expect(Signature.secretKey(a)).toHaveLength(32)
      expect(a).not.toEqual(b)
    }))

  it.effect.prop(
    "every signature verifies with the standardwebhooks package, under each secret of a rotation",
    [FastCheck.uuid(), FastCheck.string({ unit: "grapheme", maxLength: 200 }), FastCheck.integer({ min: 1, max: 3 })],
    ([id, text, count]) =>
      Effect.gen(function* () {
        const secrets = yield* Effect.all(Array.from({ length: count }, () => Signature.generateSecret))
        const body = JSON.stringify({ id, type: "message.status.updated", data: { text } })
        const now = new Date()
        const headers = Signature.headers(secrets, id, Math.floor(now.getTime() / 1000), body)
        expect(headers["webhook-signature"].split(" ")).toHaveLength(count)
        for (const secret of secrets) {
          expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body))
        }
        // The library's own signature is ours, byte for byte.
        expect(new Webhook(secrets[0]!).sign(id, now, body)).toEqual(headers["webhook-signature"].split(" ")[0])
      }),
    { fastCheck: { numRuns: 40 } }
  )
})

describe("Verifier", () => {
  const body = JSON.stringify({ id: "evt", type: "webhook.test", data: { webhookId: "w" } })
  const now = new Date("2026-01-01T00:00:00Z")
  const seconds = Math.floor(now.getTime() / 1000)

  it.effect("accepts what the standardwebhooks package signs", () =>
    Effect.gen(function* () {
      const secret = yield* Signature.generateSecret
      const signature = new Webhook(secret).sign("msg_1", now, body)
      const result = Verifier.verify({
        secrets: [secret],
        headers: { "Webhook-Id": "msg_1", "Webhook-Timestamp": String(seconds), "Webhook-Signature": signature },
        body,
        now
      })
      expect(Either.getOrThrow(result)).toEqual({ webhookId: "msg_1", timestamp: now, payload: JSON.parse(body) })
    }))

  it.effect("accepts any of several secrets, and a signature list with unknown versions", () =>
    Effect.gen(function* () {
      const [old, current, other] = yield* Effect.all([
        Signature.generateSecret,
        Signature.generateSecret,
        Signature.generateSecret
      ])
      const headers = Signature.headers([current, old], "msg_2", seconds, body)
      const listed = { ...headers, "webhook-signature": `v1a,xyz ${headers["webhook-signature"]}` }
      expect(Either.isRight(Verifier.verify({ secrets: [old], headers: listed, body, now }))).toBe(true)
      expect(Either.isRight(Verifier.verify({ secrets: [other, current], headers: listed, body, now }))).toBe(true)
      expect(Verifier.verify({ secrets: [other], headers: listed, body, now })).toEqual(
        Either.left(new Verifier.WebhookVerificationError({ reason: "NoMatchingSignature" }))
      )
    }))

  it.effect("refuses tampering, stale or future timestamps, and missing headers", () =>
    Effect.gen(function* () {
      const secret = yield* Signature.generateSecret
      const headers = Signature.headers([secret], "msg_3", seconds, body)
      const reason = (input: Omit<Verifier.VerifyInput, "secrets">) =>
        Either.match(Verifier.verify({ secrets: [secret], ...input }), {
          onLeft: (e) => e.reason,
          onRight: () => "ok"
        })
      expect(reason({ headers, body, now })).toBe("ok")
      expect(reason({ headers, body: body + " ", now })).toBe("NoMatchingSignature")
      expect(reason({ headers: { ...headers, "webhook-id": "msg_4" }, body, now })).toBe("NoMatchingSignature")
      expect(reason({ headers, body, now: new Date(now.getTime() + 301_000) })).toBe("TimestampTooOld")
      expect(reason({ headers, body, now: new Date(now.getTime() - 301_000) })).toBe("TimestampTooNew")
      expect(reason({ headers, body, now: new Date(now.getTime() + 299_000) })).toBe("ok")
      expect(reason({ headers: { ...headers, "webhook-timestamp": "12x" }, body, now })).toBe("InvalidTimestamp")
      expect(reason({ headers: { "webhook-id": "msg_3" }, body, now })).toBe("MissingHeaders")
    }))
})
