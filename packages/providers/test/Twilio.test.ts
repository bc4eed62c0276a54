import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Option, Redacted, TestClock } from "effect"
import { createHmac } from "node:crypto"
import { Twilio } from "../src/index.js"
import * as FakeServer from "./utils/FakeServer.js"
import { sendRequest } from "./utils/requests.js"

const authToken = Redacted.make("twilio-auth-token")
const accountSid = "AC00000000000000000000000000000001"

const configFor = (baseUrl: string): Twilio.TwilioConfig => ({
  baseUrl,
  accountSid,
  authToken,
  from: "+15005550006",
  statusCallbackUrl: "https://sent.example.com/providers/twilio/status"
})

/** A fake answering every send with `reply`, and a Twilio adapter pointed at it. */
const withFake = (reply: Parameters<typeof FakeServer.make>[0], config?: (url: string) => Twilio.TwilioConfig) =>
  Effect.gen(function* () {
    const fake = yield* FakeServer.make(reply)
    const twilio = yield* Twilio.make((config ?? configFor)(fake.url))
    return { fake, twilio }
  })

const created = (overrides: Record<string, unknown> = {}) => ({
  status: 201,
  json: {
    sid: "SM0123456789abcdef0123456789abcdef",
    account_sid: accountSid,
    status: "queued",
    to: "+12025550100",
    num_segments: "1",
    price: null,
    price_unit: "USD",
    error_code: null,
    error_message: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/SM0123456789abcdef0123456789abcdef.json`,
    ...overrides
  }
})

const twilioError = (status: number, code: number, headers: Record<string, string> = {}) => ({
  status,
  headers,
  json: {
    code,
    message: `Error ${code} from the fake`,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status
  }
})

describe("Twilio send", () => {
  it.scoped("posts the documented form with Basic auth and maps the message resource", () =>
    Effect.gen(function* () {
      const { fake, twilio } = yield* withFake(() => created())
      const accepted = yield* twilio.send(sendRequest("2025550100", "sms"))
      const [request] = yield* fake.received
      expect(request?.method).toBe("POST")
      expect(request?.path).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`)
      expect(request?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${accountSid}:twilio-auth-token`).toString("base64")}`
      )
      expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded")
      expect(request?.headers.traceparent).toBeUndefined()
      expect(request?.headers.b3).toBeUndefined()
      expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
        To: "+12025550100",
        From: "+15005550006",
        Body: "Your code is 123456",
        StatusCallback: "https://sent.example.com/providers/twilio/status"
      })
      expect(accepted.providerMessageId).toBe("SM0123456789abcdef0123456789abcdef")
      expect(accepted.price).toBeUndefined()
      expect(accepted.channelResponse).toEqual({
        sid: "SM0123456789abcdef0123456789abcdef",
        status: "queued",
        to: "+12025550100",
        num_segments: "1",
        price: null,
        price_unit: "USD",
        error_code: null,
        error_message: null
      })
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("sends through a Messaging Service, with no StatusCallback when none is configured", () =>
    Effect.gen(function* () {
      const { fake, twilio } = yield* withFake(
        () => created({ status: "accepted" }),
        (baseUrl) => ({ baseUrl: `${baseUrl}/`, accountSid, authToken, messagingServiceSid: "MG0001" })
      )
      yield* twilio.send(sendRequest("2025550100", "sms"))
      const [request] = yield* fake.received
      expect(request?.path).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`)
      expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
        To: "+12025550100",
        MessagingServiceSid: "MG0001",
        Body: "Your code is 123456"
      })
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a quoted price becomes the accepted price in micros", () =>
    Effect.gen(function* () {
      const { twilio } = yield* withFake(() => created({ price: "-0.00750" }))
      const accepted = yield* twilio.send(sendRequest("2025550100", "sms"))
      expect(accepted.price).toBe(7500)
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  const cases: ReadonlyArray<readonly [string, number, number, boolean]> = [
    ["invalid To", 400, 21211, true],
    ["unsubscribed recipient", 400, 21610, true],
    ["unknown destination", 400, 30005, true],
    ["landline", 400, 30006, true],
    ["filtered", 400, 30007, true],
    ["queue overflow", 400, 30001, false],
    ["unreachable handset", 400, 30003, false],
    ["unknown error", 400, 30008, false],
    ["authentication failed", 401, 20003, true],
    ["internal error", 500, 20500, false]
  ]
  for (const [label, status, code, permanent] of cases) {
    it.scoped(`HTTP ${status} with error ${code} (${label}) is ${permanent ? "permanent" : "transient"}`, () =>
      Effect.gen(function* () {
        const { twilio } = yield* withFake(() => twilioError(status, code))
        const rejected = yield* Effect.flip(twilio.send(sendRequest("2025550100", "sms")))
        expect(rejected.error).toEqual({ code: String(code), message: `Error ${code} from the fake`, permanent })
        expect(rejected.channelResponse).toMatchObject({ code, status })
        expect(rejected.retryAfterMillis).toBeUndefined()
      }).pipe(Effect.provide(NodeHttpClient.layer))
    )
  }

  it.scoped("429 is transient and honours Retry-After in seconds", () =>
    Effect.gen(function* () {
      const { twilio } = yield* withFake(() => twilioError(429, 20429, { "retry-after": "7" }))
      const rejected = yield* Effect.flip(twilio.send(sendRequest("2025550100", "sms")))
      expect(rejected.error).toMatchObject({ code: "20429", permanent: false })
      expect(rejected.retryAfterMillis).toBe(7000)
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("Retry-After as an HTTP date is counted from the clock", () =>
    Effect.gen(function* () {
      const now = Date.parse("2025-03-01T12:00:00Z")
      yield* TestClock.setTime(now)
      const { twilio } = yield* withFake(() =>
        twilioError(429, 20429, { "retry-after": new Date(now + 90_000).toUTCString() })
      )
      const rejected = yield* Effect.flip(twilio.send(sendRequest("2025550100", "sms")))
      expect(rejected.retryAfterMillis).toBe(90_000)
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a 503 without a Twilio body is transient, with its Retry-After", () =>
    Effect.gen(function* () {
      const { twilio } = yield* withFake(() => ({
        status: 503,
        headers: { "retry-after": "2" },
        text: "upstream down"
      }))
      const rejected = yield* Effect.flip(twilio.send(sendRequest("2025550100", "sms")))
      expect(rejected.error).toMatchObject({ code: "HTTP_503", permanent: false })
      expect(rejected.retryAfterMillis).toBe(2000)
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a refused connection is transient", () =>
    Effect.gen(function* () {
      const url = yield* FakeServer.refusingUrl
      const twilio = yield* Twilio.make(configFor(url))
      const rejected = yield* Effect.flip(twilio.send(sendRequest("2025550100", "sms")))
      expect(rejected.error).toMatchObject({ code: "NETWORK_ERROR", permanent: false })
      expect(rejected.error.message).not.toContain("twilio-auth-token")
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a provider that never answers times out as a transient failure", () =>
    Effect.gen(function* () {
      const { fake, twilio } = yield* withFake(() => ({ hang: true }))
      const fiber = yield* Effect.fork(twilio.send(sendRequest("2025550100", "sms")))
      while ((yield* fake.received).length === 0) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      yield* TestClock.adjust("30 seconds")
      const rejected = yield* Effect.flip(Fiber.join(fiber))
      expect(rejected.error).toMatchObject({ code: "TIMEOUT", permanent: false })
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )

  it.scoped("a 2xx without a message sid is a permanent failure, not a retry that could send twice", () =>
    Effect.gen(function* () {
      const { twilio } = yield* withFake(() => ({ status: 201, text: "<html>proxy</html>" }))
      const rejected = yield* Effect.flip(twilio.send(sendRequest("2025550100", "sms")))
      expect(rejected.error).toMatchObject({ code: "PROVIDER_RESPONSE_INVALID", permanent: true })
    }).pipe(Effect.provide(NodeHttpClient.layer))
  )
})

describe("Twilio signatures", () => {
  // The example of Twilio's request-validation documentation.
  const documented = {
    url: "https://mycompany.com/myapp.php?foo=1&bar=2",
    params: {
      CallSid: "CA1234567890ABCDE",
      Caller: "+14158675309",
      Digits: "1234",
      From: "+14158675309",
      To: "+18005551212"
    },
    authToken: Redacted.make("12345")
  }

  it("accepts Twilio's documented example", () => {
    expect(Twilio.sign(documented)).toBe("RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    expect(Twilio.verifySignature({ ...documented, signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=" })).toBe(true)
  })

  it("refuses a missing, empty, garbled or foreign signature", () => {
    for (const signature of [undefined, "", "not base64 at all", "RSOYDt4T1cUTdK1PDd93/VVr8B9="]) {
      expect(Twilio.verifySignature({ ...documented, signature })).toBe(false)
    }
    const otherToken = createHmac("sha1", "54321").update("anything").digest("base64")
    expect(Twilio.verifySignature({ ...documented, signature: otherToken })).toBe(false)
  })

  it("refuses tampered parameters, an added parameter and another URL", () => {
    const signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    expect(Twilio.verifySignature({ ...documented, signature, params: { ...documented.params, Digits: "1235" } })).toBe(
      false
    )
    expect(Twilio.verifySignature({ ...documented, signature, params: { ...documented.params, Extra: "1" } })).toBe(
      false
    )
    expect(Twilio.verifySignature({ ...documented, signature, url: "https://mycompany.com/myapp.php" })).toBe(false)
  })
})

describe("Twilio status callbacks", () => {
  const receivedAt = new Date("2025-03-01T12:00:00Z")
  const callback = (fields: Record<string, string>) => ({
    MessageSid: "SM0123456789abcdef0123456789abcdef",
    AccountSid: accountSid,
    To: "+12025550100",
    From: "+15005550006",
    ApiVersion: "2010-04-01",
    ...fields
  })

  it("maps sent, delivered and read to reports dated when they were received", () => {
    for (const status of ["sent", "delivered", "read"] as const) {
      const parsed = Twilio.parseStatusCallback(callback({ MessageStatus: status }), receivedAt)
      expect(parsed).toEqual(
        Either.right(
          Option.some({
            provider: "twilio",
            providerMessageId: "SM0123456789abcdef0123456789abcdef",
            report: {
              status,
              timestamp: receivedAt,
              channelResponse: {
                MessageSid: "SM0123456789abcdef0123456789abcdef",
                MessageStatus: status,
                To: "+12025550100",
                From: "+15005550006",
                ApiVersion: "2010-04-01"
              },
              error: undefined
            }
          })
        )
      )
    }
  })

  it("maps undelivered and failed to failed, with the error code's meaning", () => {
    const reportOf = (fields: Record<string, string>) =>
      Either.getOrThrow(Twilio.parseStatusCallback(callback(fields), receivedAt)).pipe(Option.getOrThrow).report
    expect(reportOf({ MessageStatus: "undelivered", ErrorCode: "30003" })).toMatchObject({
      status: "failed",
      error: { code: "30003", message: "Unreachable destination handset", permanent: false }
    })
    expect(reportOf({ MessageStatus: "failed", ErrorCode: "30007" })).toMatchObject({
      status: "failed",
      error: { code: "30007", permanent: true }
    })
    expect(reportOf({ MessageStatus: "failed", ErrorCode: "39999" }).error).toEqual({
      code: "39999",
      message: "Twilio error 39999",
      permanent: true
    })
    expect(reportOf({ MessageStatus: "undelivered" }).error).toBeUndefined()
  })

  it("ignores the statuses that say no more than the accepted send, and unknown ones", () => {
    for (const status of ["queued", "accepted", "sending", "scheduled", "some_future_status"]) {
      expect(Twilio.parseStatusCallback(callback({ MessageStatus: status }), receivedAt)).toEqual(
        Either.right(Option.none())
      )
    }
  })

  it("refuses a callback without MessageSid or MessageStatus", () => {
    const { MessageSid: _sid, ...withoutSid } = callback({ MessageStatus: "delivered" })
    const malformed = [
      withoutSid,
      callback({}),
      callback({ MessageStatus: "" }),
      { ...callback({ MessageStatus: "sent" }), MessageSid: "" }
    ]
    for (const params of malformed) {
      const parsed = Twilio.parseStatusCallback(params, receivedAt)
      expect(Either.isLeft(parsed)).toBe(true)
      if (Either.isLeft(parsed)) {
        expect(parsed.left._tag).toBe("MalformedCallback")
        expect(parsed.left.message).toMatch(/MessageSid|MessageStatus/)
      }
    }
  })
})
