/**
 * The error envelope `{ "error": { "code", "message", "details"? } }` that every failed request answers
 * with, and the errors only the HTTP layer can raise (body too large, wrong content type, internal).
 *
 * Each error is a schema that encodes the domain error (a `Schema.TaggedError` of core) to its envelope
 * and decodes the envelope back to it, so the server and `HttpApiClient` share one wire format and the
 * OpenAPI document shows the real bodies.
 */
import { HttpApiError, HttpApiSchema, HttpServerError, HttpServerResponse } from "@effect/platform"
import { Errors } from "@sent/core"
import { Cause, Effect, Option, Predicate, Schema } from "effect"

/** The domain errors the envelopes carry, re-exported so the contract's types name them from here. */
export { Errors }

/** 413 — the request body is over the limit. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String, maxBytes: Schema.Number },
  HttpApiSchema.annotations({ status: 413 })
) {
  readonly code = "PAYLOAD_TOO_LARGE"
}

/** 415 — a JSON endpoint was sent a body that does not say it is JSON. */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String, contentType: Schema.optional(Schema.String) },
  HttpApiSchema.annotations({ status: 415 })
) {
  readonly code = "UNSUPPORTED_MEDIA_TYPE"
}

/** 500 — a bug; the response says nothing more, the log has the cause. */
export class InternalError extends Schema.TaggedError<InternalError>()(
  "InternalError",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 500 })
) {
  readonly code = "INTERNAL"
}

/** The JSON shape of an envelope with the given code and details. */
const Body = <C extends string, D, DI>(code: C, details: Schema.Schema<D, DI>) =>
  Schema.Struct({
    error: Schema.Struct({ code: Schema.Literal(code), message: Schema.String, details })
  })

const BodyWithoutDetails = <C extends string>(code: C) =>
  Schema.Struct({ error: Schema.Struct({ code: Schema.Literal(code), message: Schema.String }) })

/** The envelope of an error with details: encodes `toDetails(error)`, decodes with `fromDetails`. */
const withDetails = <E extends { readonly message: string }, C extends string, D, DI>(
  error: Schema.Schema<E, any>,
  options: {
    readonly code: C
    readonly status: number
    readonly description: string
    readonly details: Schema.Schema<D, DI>
    readonly toDetails: (error: E) => D
    readonly fromDetails: (message: string, details: D) => E
  }
) =>
  Schema.transform(Body(options.code, options.details), Schema.typeSchema(error), {
    strict: true,
    decode: ({ error }) => options.fromDetails(error.message, error.details),
    encode: (e) => ({ error: { code: options.code, message: e.message, details: options.toDetails(e) } })
  }).annotations(HttpApiSchema.annotations({ status: options.status, description: options.description }))

const withoutDetails = <E extends { readonly message: string }, C extends string>(
  error: Schema.Schema<E, any>,
  options: {
    readonly code: C
    readonly status: number
    readonly description: string
    readonly make: (message: string) => E
  }
) =>
  Schema.transform(BodyWithoutDetails(options.code), Schema.typeSchema(error), {
    strict: true,
    decode: ({ error }) => options.make(error.message),
    encode: (e) => ({ error: { code: options.code, message: e.message } })
  }).annotations(HttpApiSchema.annotations({ status: options.status, description: options.description }))

/** 400 `VALIDATION_FAILED`; `details` lists `{ field, message }`. */
export const ValidationFailed = withDetails(Errors.ValidationFailed, {
  code: "VALIDATION_FAILED",
  status: 400,
  description: "The request is malformed or invalid; details name the fields",
  details: Schema.Array(Errors.FieldIssue),
  toDetails: (e) => e.details,
  fromDetails: (message, details) => new Errors.ValidationFailed({ message, details })
})

/** 400 `INVALID_PHONE_NUMBER`; `details.phoneNumber` is the rejected input. */
export const InvalidPhoneNumber = withDetails(Errors.InvalidPhoneNumber, {
  code: "INVALID_PHONE_NUMBER",
  status: 400,
  description: "The phone number is not a valid E.164 number",
  details: Schema.Struct({ phoneNumber: Schema.String }),
  toDetails: (e) => ({ phoneNumber: e.phoneNumber }),
  fromDetails: (message, details) => new Errors.InvalidPhoneNumber({ message, ...details })
})

/** 401 `UNAUTHORIZED`. */
export const Unauthorized = withoutDetails(Errors.Unauthorized, {
  code: "UNAUTHORIZED",
  status: 401,
  description: "The credential is missing, empty or unknown",
  make: (message) => new Errors.Unauthorized({ message })
})

/** 402 `INSUFFICIENT_BALANCE`. */
export const InsufficientBalance = withDetails(Errors.InsufficientBalance, {
  code: "INSUFFICIENT_BALANCE",
  status: 402,
  description: "The balance does not cover the message; nothing was stored",
  details: Schema.Struct({ required: Schema.Number, balance: Schema.Number }),
  toDetails: (e) => ({ required: e.required, balance: e.balance }),
  fromDetails: (message, details) => new Errors.InsufficientBalance({ message, ...details })
})

/** 404 `NOT_FOUND`. */
export const NotFound = withDetails(Errors.NotFound, {
  code: "NOT_FOUND",
  status: 404,
  description: "No such resource for this customer",
  details: Schema.Struct({ resource: Schema.String, id: Schema.String }),
  toDetails: (e) => ({ resource: e.resource, id: e.id }),
  fromDetails: (message, details) => new Errors.NotFound({ message, ...details })
})

/** 409 `IDEMPOTENCY_CONFLICT`. */
export const IdempotencyConflict = withDetails(Errors.IdempotencyConflict, {
  code: "IDEMPOTENCY_CONFLICT",
  status: 409,
  description: "The Idempotency-Key was used with a different request",
  details: Schema.Struct({ idempotencyKey: Schema.String }),
  toDetails: (e) => ({ idempotencyKey: e.idempotencyKey }),
  fromDetails: (message, details) => new Errors.IdempotencyConflict({ message, ...details })
})

/** 413 `PAYLOAD_TOO_LARGE`. */
export const PayloadTooLargeEnvelope = withDetails(PayloadTooLarge, {
  code: "PAYLOAD_TOO_LARGE",
  status: 413,
  description: "The request body is over 1 MiB",
  details: Schema.Struct({ maxBytes: Schema.Number }),
  toDetails: (e) => ({ maxBytes: e.maxBytes }),
  fromDetails: (message, details) => new PayloadTooLarge({ message, ...details })
})

/** 415 `UNSUPPORTED_MEDIA_TYPE`. */
export const UnsupportedMediaTypeEnvelope = withDetails(UnsupportedMediaType, {
  code: "UNSUPPORTED_MEDIA_TYPE",
  status: 415,
  description: "The body is not declared as application/json",
  details: Schema.Struct({ contentType: Schema.optional(Schema.String) }),
  toDetails: (e) => (e.contentType === undefined ? {} : { contentType: e.contentType }),
  fromDetails: (message, details) => new UnsupportedMediaType({ message, ...details })
})

/** 422 `CHANNEL_UNAVAILABLE`. */
export const ChannelUnavailable = withDetails(Errors.ChannelUnavailable, {
  code: "CHANNEL_UNAVAILABLE",
  status: 422,
  description: "The channel cannot reach the contact, or the template may not use it",
  details: Schema.Struct({ requested: Schema.optional(Schema.String), availableChannels: Schema.Array(Schema.String) }),
  toDetails: (e) => ({
    ...(e.requested === undefined ? {} : { requested: e.requested }),
    availableChannels: e.availableChannels
  }),
  fromDetails: (message, details) => new Errors.ChannelUnavailable({ message, ...details })
})

/** 422 `TEMPLATE_VARIABLES_MISSING`. */
export const TemplateVariablesMissing = withDetails(Errors.TemplateVariablesMissing, {
  code: "TEMPLATE_VARIABLES_MISSING",
  status: 422,
  description: "The template needs variables the request did not give",
  details: Schema.Struct({ missing: Schema.Array(Schema.String) }),
  toDetails: (e) => ({ missing: e.missing }),
  fromDetails: (message, details) => new Errors.TemplateVariablesMissing({ message, ...details })
})

/** 422 `WEBHOOK_URL_FORBIDDEN`. */
export const WebhookUrlForbidden = withDetails(Errors.WebhookUrlForbidden, {
  code: "WEBHOOK_URL_FORBIDDEN",
  status: 422,
  description: "The webhook URL is not allowed (scheme, credentials, or a private or loopback target)",
  details: Schema.Struct({ url: Schema.String }),
  toDetails: (e) => ({ url: e.url }),
  fromDetails: (message, details) => new Errors.WebhookUrlForbidden({ message, ...details })
})

/** 429 `RATE_LIMITED` (the response also carries `Retry-After`). */
export const RateLimited = withDetails(Errors.RateLimited, {
  code: "RATE_LIMITED",
  status: 429,
  description: "Too many requests for this API key",
  details: Schema.Struct({ retryAfterSeconds: Schema.Number }),
  toDetails: (e) => ({ retryAfterSeconds: e.retryAfterSeconds }),
  fromDetails: (message, details) => new Errors.RateLimited({ message, ...details })
})

/** 500 `INTERNAL`. */
export const Internal = withoutDetails(InternalError, {
  code: "INTERNAL",
  status: 500,
  description: "An unexpected error; nothing about it is shown",
  make: (message) => new InternalError({ message })
})

/** An envelope schema, as the responder needs it. */
interface Entry {
  readonly status: number
  readonly encode: (error: unknown) => unknown
}

const entry = <A, I>(status: number, schema: Schema.Schema<A, I>): Entry => ({
  status,
  encode: Schema.encodeUnknownSync(schema)
})

/** Every error the API answers with, by its `_tag`: status and envelope encoder. */
export const byTag: ReadonlyMap<string, Entry> = new Map([
  ["ValidationFailed", entry(400, ValidationFailed)],
  ["InvalidPhoneNumber", entry(400, InvalidPhoneNumber)],
  ["Unauthorized", entry(401, Unauthorized)],
  ["InsufficientBalance", entry(402, InsufficientBalance)],
  ["NotFound", entry(404, NotFound)],
  ["IdempotencyConflict", entry(409, IdempotencyConflict)],
  ["PayloadTooLarge", entry(413, PayloadTooLargeEnvelope)],
  ["UnsupportedMediaType", entry(415, UnsupportedMediaTypeEnvelope)],
  ["ChannelUnavailable", entry(422, ChannelUnavailable)],
  ["TemplateVariablesMissing", entry(422, TemplateVariablesMissing)],
  ["WebhookUrlForbidden", entry(422, WebhookUrlForbidden)],
  ["RateLimited", entry(429, RateLimited)],
  ["InternalError", entry(500, Internal)]
])

/** The response of an error the API knows; anything else is a `500 INTERNAL` that tells nothing. */
export const toResponse = (error: unknown): HttpServerResponse.HttpServerResponse => {
  const tag = Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : undefined
  const known = tag === undefined ? undefined : byTag.get(tag)
  if (known !== undefined) return HttpServerResponse.unsafeJson(known.encode(error), { status: known.status })
  return HttpServerResponse.unsafeJson(byTag.get("InternalError")!.encode(internal), { status: 500 })
}

const internal = new InternalError({ message: "Something went wrong on our side; the request may be retried" })

const maxIssueMessage = 300

const clip = (text: string) => (text.length > maxIssueMessage ? `${text.slice(0, maxIssueMessage)}…` : text)

/** A request that did not match its schemas, as `VALIDATION_FAILED` naming each field. */
export const fromDecodeError = (error: HttpApiError.HttpApiDecodeError): Errors.ValidationFailed =>
  new Errors.ValidationFailed({
    message: "The request is invalid",
    details: error.issues.map((issue) => ({
      field: issue.path.length === 0 ? "body" : issue.path.map(String).join("."),
      message: clip(issue.message)
    }))
  })

/**
 * The response for whatever a request ended in. Domain errors answer their envelope; the platform's
 * decode errors become `VALIDATION_FAILED`, an unknown route `NOT_FOUND`, an unreadable body a `400`;
 * defects are logged (their message, never a stack) and answer `500 INTERNAL`. A client that went away
 * gets nothing.
 */
export const fromCause = (cause: Cause.Cause<unknown>): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (error instanceof HttpApiError.HttpApiDecodeError) return Effect.succeed(toResponse(fromDecodeError(error)))
    if (HttpServerError.isServerError(error)) return Effect.succeed(fromServerError(error))
    return Effect.succeed(toResponse(error))
  }
  if (Cause.isInterruptedOnly(cause)) return Effect.interrupt
  const defect = Cause.squash(cause)
  if (HttpServerError.isServerError(defect) && defect._tag === "RequestError") {
    return Effect.succeed(fromServerError(defect))
  }
  const message = Predicate.hasProperty(defect, "message") ? String(defect.message) : String(defect)
  return Effect.as(Effect.logError(`Unexpected failure while serving a request: ${clip(message)}`), toResponse(internal))
}

const fromServerError = (error: HttpServerError.HttpServerError): HttpServerResponse.HttpServerResponse => {
  switch (error._tag) {
    case "RouteNotFound":
      return toResponse(
        new Errors.NotFound({
          message: `No route ${error.request.method} ${error.request.url.split("?")[0]}`,
          resource: "route",
          id: error.request.url.split("?")[0] ?? ""
        })
      )
    case "RequestError":
      return toResponse(
        new Errors.ValidationFailed({
          message: "The request body could not be read",
          details: [{ field: "body", message: "could not be read" }]
        })
      )
    default:
      return toResponse(internal)
  }
}
