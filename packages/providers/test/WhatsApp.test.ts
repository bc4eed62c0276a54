import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ChannelSelection } from "@sent/core"
import { Effect, Either, Fiber, Redacted, TestClock } from "effect"
import { createHmac } from "node:crypto"
import { WhatsApp } from "../src/index.js"
import * as FakeServer from "./utils/FakeServer.js"
import { sendRequest } from "./utils/requests.js"

const configFor = (baseUrl: string): WhatsApp.WhatsAppConfig => ({
  baseUrl,
  apiVersion: "v21.0",
  phoneNumberId: "106540352242922",
  accessToken: Redacted.make("EAAG-access-token"),
  languageCode: "en_US"
})

const withFake = (reply: Parameters<typeof FakeServer.make>[0]) =>
  Effect.gen(function* () {
    const fake = yield* FakeServer.make(reply)
    const whatsapp = yield* WhatsApp.make(configFor(fake.url))
    return { fake, whatsapp }
  })

const wamid = "wamid.HBgLMTIwMjU1NTAxMDAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"

const accepted = {
  status: 200,
  json: {
    messaging_product: "whatsapp",
    contacts: [{ input: "12025550100", wa_id: "12025550100" }],
    messages: [{ id: wamid, message_status: "accepted" }]
  }
}

const graphError = (status: number, code: number, headers: Record<string, string> = {}) => ({
  status,
  headers,
  json: {
    error: {
      message: `(#${code}) Error from the fake`,
      type: "OAuthException",
      code,
      error_data: { messaging_product: "whatsapp", details: `Details of ${code}` },
      fbtrace_id: "AbCdEf"
    }
  }
})

describe("WhatsApp send", () => {
  it.scoped("posts the documented template message with a Bearer token", () =>
    Effect.gen(function* () {
      const { fake, whatsapp } = yield* withFake(() => accepted)
      const result = yield* whatsapp.send(
        sendRequest("2025550100", "whatsapp", {
          template: { name: "order_shipped", category: "UTILITY", parameters: ["Ada", "#1234"] }
        })
      )
      const [request] = yield* fake.received
      expect(request?.method).toBe("POST")
      expect(request?.path).toBe("/v21.0/106540352242922/messages")
      expect(request?.headers.authorization).toBe("Bearer EAAG-access-token")
      expect(request?.headers["content-type"]).toBe("application/json")
      expect(request?.headers.traceparent).toBeUndefined()
      expect(JSON.parse(request?.body ?? "")).toEqual({
        messaging_product: "whatsapp",
        to: "12025550100",
        type: "template",
        template: {
          name: "order_shipped",
          language: { code: "en_US" },
          components: [
            {
              type: "body",
              parameters: [
                { type: "text", text: "Ada" },
                { type: "text", text: "#1234" }
              ]
            }
          ]
        }
      })
      expect(result.providerMessageId).toBe(wamid)
      expect(result.channelResponse).toEqual(accepted.json)
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a template without parameters is sent without components", () =>
    Effect.gen(function* () {
      const { fake, whatsapp } = yield* withFake(() => accepted)
      yield* whatsapp.send(
        sendRequest("2025550100", "whatsapp", {
          template: { name: "hello_world", category: "UTILITY", parameters: [] }
        })
      )
      const [request] = yield* fake.received
      expect(JSON.parse(request?.body ?? "").template).toEqual({ name: "hello_world", language: { code: "en_US" } })
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("131026 is permanent with the code channel selection falls back on", () =>
    Effect.gen(function* () {
      const { whatsapp } = yield* withFake(() => graphError(400, 131026))
      const rejected = yield* Effect.flip(whatsapp.send(sendRequest("2025550104", "whatsapp")))
      expect(rejected.error).toEqual({
        code: ChannelSelection.notOnWhatsAppCode,
        message: "Details of 131026",
        permanent: true
      })
      expect(rejected.channelResponse).toMatchObject({ error: { code: 131026, fbtrace_id: "AbCdEf" } })
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  const cases: ReadonlyArray<readonly [string, number, number, boolean]> = [
    ["throughput exceeded", 400, 130429, false],
    ["outside the 24 h window", 400, 131047, true],
    ["marketing blocked", 400, 131049, true],
    ["invalid parameter", 400, 131009, true],
    ["expired token", 401, 190, true],
    ["unknown error code", 400, 999999, true],
    ["server error", 500, 131000, false],
    ["service unavailable", 503, 131016, false]
  ]
  for (const [label, status, code, permanent] of cases) {
    it.scoped(`HTTP ${status} with error ${code} (${label}) is ${permanent ? "permanent" : "transient"}`, () =>
      Effect.gen(function* () {
        const { whatsapp } = yield* withFake(() => graphError(status, code))
        const rejected = yield* Effect.flip(whatsapp.send(sendRequest("2025550100", "whatsapp")))
        expect(rejected.error).toEqual({ code: String(code), message: `Details of ${code}`, permanent })
      }).pipe(Effect.provide(NodeHttpClient.layer))
    )
  }

  it.scoped("429 is transient and honours Retry-After", () =>
    Effect.gen(function* () {
      const { whatsapp } = yield* withFake(() => graphError(429, 130429, { "retry-after": "3" }))
      const rejected = yield* Effect.flip(whatsapp.send(sendRequest("2025550100", "whatsapp")))
      expect(rejected.error).toMatchObject({ code: "130429", permanent: false })
      expect(rejected.retryAfterMillis).toBe(3000)
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a 502 without a Graph body is transient", () =>
    Effect.gen(function* () {
      const { whatsapp } = yield* withFake(() => ({ status: 502, text: "Bad Gateway" }))
      const rejected = yield* Effect.flip(whatsapp.send(sendRequest("2025550100", "whatsapp")))
      expect(rejected.error).toMatchObject({ code: "HTTP_502", permanent: false })
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a refused connection is transient", () =>
    Effect.gen(function* () {
      const url = yield* FakeServer.refusingUrl
      const whatsapp = yield* WhatsApp.make(configFor(url))
      const rejected = yield* Effect.flip(whatsapp.send(sendRequest("2025550100", "whatsapp")))
      expect(rejected.error).toMatchObject({ code: "NETWORK_ERROR", permanent: false })
      expect(rejected.error.message).not.toContain("EAAG-access-token")
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a provider that never answers times out as a transient failure", () =>
    Effect.gen(function* () {
      const { fake, whatsapp } = yield* withFake(() => ({ hang: true }))
      const fiber = yield* Effect.fork(whatsapp.send(sendRequest("2025550100", "whatsapp")))
      while ((yield* fake.received).length === 0) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      yield* TestClock.adjust("30 seconds")
      const rejected = yield* Effect.flip(Fiber.join(fiber))
      expect(rejected.error).toMatchObject({ code: "TIMEOUT", permanent: false })
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a 200 without a message id is a permanent failure", () =>
    Effect.gen(function* () {
      const { whatsapp } = yield* withFake(() => ({
        status: 200,
        json: { messaging_product: "whatsapp", messages: [] }
      }))
      const rejected = yield* Effect.flip(whatsapp.send(sendRequest("2025550100", "whatsapp")))
      expect(rejected.error).toMatchObject({ code: "PROVIDER_RESPONSE_INVALID", permanent: true })
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )
})

describe("WhatsApp signatures and handshake", () => {
  const appSecret = Redacted.make("meta-app-secret")
  const body = JSON.stringify({ object: "whatsapp_business_account", entry: [] })
  const header = `sha256=${createHmac("sha256", "meta-app-secret").update(body).digest("hex")}`

  it("accepts Meta's signature over the raw body, as text or bytes, in either hex case", () => {
    expect(WhatsApp.sign(body, appSecret)).toBe(header)
    expect(WhatsApp.verifySignature(body, header, appSecret)).toBe(true)
    expect(WhatsApp.verifySignature(Buffer.from(body), header, appSecret)).toBe(true)
    expect(WhatsApp.verifySignature(body, `sha256=${header.slice(7).toUpperCase()}`, appSecret)).toBe(true)
  })

  it("refuses a missing, malformed, foreign or tampered signature", () => {
    const foreign = `sha256=${createHmac("sha256", "another-secret").update(body).digest("hex")}`
    const hex = header.slice("sha256=".length)
    for (const signature of [undefined, "", "sha256=", hex, `sha1=${hex}`, `${header}00`, foreign]) {
      expect(WhatsApp.verifySignature(body, signature, appSecret)).toBe(false)
    }
    expect(WhatsApp.verifySignature(body.replace("[]", "[{}]"), header, appSecret)).toBe(false)
    expect(WhatsApp.verifySignature(`${body} `, header, appSecret)).toBe(false)
  })

  it("answers the subscription check with the challenge only for our verify token", () => {
    const verifyToken = Redacted.make("verify-me")
    const query = { "hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444" }
    expect(WhatsApp.verifyHandshake(query, verifyToken)).toEqual(Either.right("1158201444"))
    for (const bad of [
      { ...query, "hub.verify_token": "verify-you" },
      { ...query, "hub.verify_token": undefined },
      { ...query, "hub.mode": "unsubscribe" },
      { "hub.challenge": "1158201444" }
    ]) {
      const answer = WhatsApp.verifyHandshake(bad, verifyToken)
      expect(Either.isLeft(answer) && answer.left._tag).toBe("CallbackRejected")
    }
    const noChallenge = WhatsApp.verifyHandshake({ ...query, "hub.challenge": undefined }, verifyToken)
    expect(Either.isLeft(noChallenge) && noChallenge.left._tag).toBe("MalformedCallback")
  })
})

describe("WhatsApp status webhooks", () => {
  const status = (fields: Record<string, unknown>) => ({
    id: wamid,
    status: "delivered",
    timestamp: "1740830400",
    recipient_id: "12025550100",
    ...fields
  })
  const notification = (entries: ReadonlyArray<ReadonlyArray<Record<string, unknown>>>) => ({
    object: "whatsapp_business_account",
    entry: entries.map((changes, i) => ({ id: `WABA${i}`, changes }))
  })
  const messagesChange = (statuses: ReadonlyArray<Record<string, unknown>>) => ({
    field: "messages",
    value: {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "15550001111", phone_number_id: "106540352242922" },
      statuses
    }
  })

  it("turns a batched notification into every report, in order, with unix-second times and pricing kept", () => {
    const pricing = { billable: true, pricing_model: "PMP", category: "utility" }
    const parsed = WhatsApp.parseStatusWebhook(
      notification([
        [
          messagesChange([
            status({ id: "wamid.A", status: "sent", pricing }),
            status({ id: "wamid.A", status: "delivered", timestamp: "1740830401", pricing })
          ]),
          { field: "message_template_status_update", value: { event: "APPROVED" } }
        ],
        [messagesChange([status({ id: "wamid.B", status: "read", timestamp: 1740830402 })])]
      ])
    )
    const reports = Either.getOrThrow(parsed)
    expect(reports.map((r) => [r.providerMessageId, r.report.status, r.report.timestamp.toISOString()])).toEqual([
      ["wamid.A", "sent", "2025-03-01T12:00:00.000Z"],
      ["wamid.A", "delivered", "2025-03-01T12:00:01.000Z"],
      ["wamid.B", "read", "2025-03-01T12:00:02.000Z"]
    ])
    expect(reports[1]).toMatchObject({
      provider: "whatsapp",
      report: { channelResponse: { id: "wamid.A", status: "delivered", recipient_id: "12025550100", pricing } }
    })
    expect(reports.every((r) => r.report.error === undefined)).toBe(true)
  })

  it("maps a failed status's errors to the message error", () => {
    const parsed = WhatsApp.parseStatusWebhook(
      notification([
        [
          messagesChange([
            status({
              status: "failed",
              errors: [
                {
                  code: 131026,
                  title: "Message undeliverable",
                  message: "Message undeliverable",
                  error_data: { details: "Message Undeliverable." }
                }
              ]
            }),
            status({ id: "wamid.C", status: "failed", errors: [{ code: 130429, title: "Rate limit hit" }] }),
            status({ id: "wamid.D", status: "failed" })
          ])
        ]
      ])
    )
    const [notOnWhatsApp, throttled, bare] = Either.getOrThrow(parsed)
    expect(notOnWhatsApp?.report.error).toEqual({ code: "131026", message: "Message Undeliverable.", permanent: true })
    expect(throttled?.report.error).toEqual({ code: "130429", message: "Rate limit hit", permanent: false })
    expect(bare?.report).toMatchObject({ status: "failed", error: undefined })
  })

  it("has no reports for incoming messages, other fields, or statuses Sent does not track", () => {
    const incoming = {
      field: "messages",
      value: { messaging_product: "whatsapp", messages: [{ from: "12025550100", id: "wamid.IN", type: "text" }] }
    }
    const parsed = WhatsApp.parseStatusWebhook(
      notification([[incoming, messagesChange([status({ status: "deleted" })])], []])
    )
    expect(parsed).toEqual(Either.right([]))
  })

  it("refuses what is not a WhatsApp notification, naming where it is wrong", () => {
    const malformed: ReadonlyArray<readonly [unknown, RegExp]> = [
      [null, /webhook is malformed/],
      [[], /webhook is malformed/],
      [{ object: "page", entry: [] }, /at object/],
      [{ object: "whatsapp_business_account" }, /at entry/],
      [notification([[{ field: "messages", value: { statuses: "nope" } }]]), /entry\.0\.changes\.0\.value/],
      [notification([[messagesChange([status({ id: "" })])]]), /statuses\.0\.id/],
      [notification([[messagesChange([status({ timestamp: "yesterday" })])]]), /statuses\.0\.timestamp/],
      [notification([[messagesChange([status({ timestamp: "-5" })])]]), /statuses\.0\.timestamp/],
      [
        notification([[messagesChange([status({ status: "failed", errors: [{ title: "no code" }] })])]]),
        /errors\.0\.code/
      ]
    ]
    for (const [json, where] of malformed) {
      const parsed = WhatsApp.parseStatusWebhook(json)
      expect(Either.isLeft(parsed)).toBe(true)
      if (Either.isLeft(parsed)) {
        expect(parsed.left._tag).toBe("MalformedCallback")
        expect(parsed.left.message).toMatch(where)
      }
    }
  })
})
