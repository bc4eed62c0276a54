import { HttpApiSchema } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import {
  ChannelUnavailable,
  IdempotencyConflict,
  InsufficientBalance,
  InvalidPhoneNumber,
  NotFound,
  RateLimited,
  type SentError,
  TemplateVariablesMissing,
  Unauthorized,
  ValidationFailed,
  WebhookUrlForbidden
} from "../src/Errors.js"

/** One error class, an instance of it, and what the API promises about it. */
const entry = <E extends SentError, I>(
  schema: Schema.Schema<E, I> & (abstract new(...args: never) => E),
  error: E,
  code: string,
  status: number
) => ({
  tag: error._tag,
  code,
  status,
  error,
  statusAnnotation: () => HttpApiSchema.getStatusError(schema),
  roundTrip: () => Schema.decodeUnknownSync(schema)(JSON.parse(JSON.stringify(Schema.encodeSync(schema)(error)))),
  isInstance: (u: unknown) => u instanceof schema
})

const cases = [
  entry(
    ValidationFailed,
    new ValidationFailed({ message: "Invalid", details: [{ field: "templateId", message: "is missing" }] }),
    "VALIDATION_FAILED",
    400
  ),
  entry(
    InvalidPhoneNumber,
    new InvalidPhoneNumber({ message: "Invalid", phoneNumber: "123" }),
    "INVALID_PHONE_NUMBER",
    400
  ),
  entry(Unauthorized, new Unauthorized({ message: "No key" }), "UNAUTHORIZED", 401),
  entry(
    InsufficientBalance,
    new InsufficientBalance({ message: "Top up", required: 0.0075, balance: 0 }),
    "INSUFFICIENT_BALANCE",
    402
  ),
  entry(NotFound, NotFound.of("message", "m-1"), "NOT_FOUND", 404),
  entry(
    IdempotencyConflict,
    new IdempotencyConflict({ message: "Reused", idempotencyKey: "k" }),
    "IDEMPOTENCY_CONFLICT",
    409
  ),
  entry(
    ChannelUnavailable,
    new ChannelUnavailable({ message: "No", requested: "whatsapp", availableChannels: ["sms"] }),
    "CHANNEL_UNAVAILABLE",
    422
  ),
  entry(
    TemplateVariablesMissing,
    new TemplateVariablesMissing({ message: "Missing", missing: ["name"] }),
    "TEMPLATE_VARIABLES_MISSING",
    422
  ),
  entry(
    WebhookUrlForbidden,
    new WebhookUrlForbidden({ message: "Private", url: "http://127.0.0.1/" }),
    "WEBHOOK_URL_FORBIDDEN",
    422
  ),
  entry(RateLimited, new RateLimited({ message: "Slow down", retryAfterSeconds: 1 }), "RATE_LIMITED", 429)
]

describe("Errors", () => {
  it.each(cases)("$tag has code $code and HTTP status $status", ({ code, error, status, statusAnnotation }) => {
    assert.strictEqual(error.code, code)
    assert.strictEqual(statusAnnotation(), status)
  })

  it.each(cases)("$tag keeps its class and code through JSON", ({ code, error, isInstance, roundTrip }) => {
    const decoded = roundTrip()
    assert.isTrue(isInstance(decoded))
    assert.strictEqual(decoded.code, code)
    assert.deepStrictEqual(decoded, error)
  })

  it.effect.each(cases)("$tag fails an Effect with itself when yielded", ({ error }) =>
    Effect.gen(function*() {
      const failing: Effect.Effect<never, SentError> = error
      assert.strictEqual(yield* Effect.flip(failing), error)
    }))

  it("covers every error with its own code", () => {
    assert.deepStrictEqual(
      cases.map((c) => c.code).sort(),
      [
        "CHANNEL_UNAVAILABLE",
        "IDEMPOTENCY_CONFLICT",
        "INSUFFICIENT_BALANCE",
        "INVALID_PHONE_NUMBER",
        "NOT_FOUND",
        "RATE_LIMITED",
        "TEMPLATE_VARIABLES_MISSING",
        "UNAUTHORIZED",
        "VALIDATION_FAILED",
        "WEBHOOK_URL_FORBIDDEN"
      ]
    )
  })

  it("words NotFound.of the same for every resource", () => {
    const error = NotFound.of("contact", "c-42")
    assert.strictEqual(error.message, "No contact with id c-42")
    assert.strictEqual(error.resource, "contact")
    assert.strictEqual(error.id, "c-42")
  })
})
