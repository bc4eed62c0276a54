/**
 * Every failure a caller of Sent can see, each with its stable code and HTTP status.
 * They are `Schema.TaggedError`s so they cross the HTTP boundary and encode to the shared envelope.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** One invalid field of a request. */
export const FieldIssue = Schema.Struct({ field: Schema.String, message: Schema.String })
export type FieldIssue = typeof FieldIssue.Type

/** 400 — the input is malformed or invalid; `details` names the fields. */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()(
  "ValidationFailed",
  { message: Schema.String, details: Schema.Array(FieldIssue) },
  HttpApiSchema.annotations({ status: 400 })
) {
  readonly code = "VALIDATION_FAILED"
}

/** 400 — a phone number that does not parse to a valid E.164 number. */
export class InvalidPhoneNumber extends Schema.TaggedError<InvalidPhoneNumber>()(
  "InvalidPhoneNumber",
  { message: Schema.String, phoneNumber: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {
  readonly code = "INVALID_PHONE_NUMBER"
}

/** 401 — no, an empty, or an unknown credential. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {
  readonly code = "UNAUTHORIZED"
}

/** 402 — the balance does not cover the quote; nothing was stored. */
export class InsufficientBalance extends Schema.TaggedError<InsufficientBalance>()(
  "InsufficientBalance",
  { message: Schema.String, required: Schema.Number, balance: Schema.Number },
  HttpApiSchema.annotations({ status: 402 })
) {
  readonly code = "INSUFFICIENT_BALANCE"
}

/** 404 — no such resource for this customer (another customer's resource looks exactly the same). */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String, resource: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  readonly code = "NOT_FOUND"
  static of(resource: string, id: string) {
    return new NotFound({ message: `No ${resource} with id ${id}`, resource, id })
  }
}

/** 409 — an idempotency key was reused with a different request. */
export class IdempotencyConflict extends Schema.TaggedError<IdempotencyConflict>()(
  "IdempotencyConflict",
  { message: Schema.String, idempotencyKey: Schema.String },
  HttpApiSchema.annotations({ status: 409 })
) {
  readonly code = "IDEMPOTENCY_CONFLICT"
}

/** 422 — the requested channel cannot reach the contact (or the template may not use it). */
export class ChannelUnavailable extends Schema.TaggedError<ChannelUnavailable>()(
  "ChannelUnavailable",
  { message: Schema.String, requested: Schema.optional(Schema.String), availableChannels: Schema.Array(Schema.String) },
  HttpApiSchema.annotations({ status: 422 })
) {
  readonly code = "CHANNEL_UNAVAILABLE"
}

/** 422 — the template needs variables the request did not give. */
export class TemplateVariablesMissing extends Schema.TaggedError<TemplateVariablesMissing>()(
  "TemplateVariablesMissing",
  { message: Schema.String, missing: Schema.Array(Schema.String) },
  HttpApiSchema.annotations({ status: 422 })
) {
  readonly code = "TEMPLATE_VARIABLES_MISSING"
}

/** 422 — a webhook URL that is not allowed (bad scheme, or a private or loopback target). */
export class WebhookUrlForbidden extends Schema.TaggedError<WebhookUrlForbidden>()(
  "WebhookUrlForbidden",
  { message: Schema.String, url: Schema.String },
  HttpApiSchema.annotations({ status: 422 })
) {
  readonly code = "WEBHOOK_URL_FORBIDDEN"
}

/** 429 — too many requests for this API key; retry after `retryAfterSeconds`. */
export class RateLimited extends Schema.TaggedError<RateLimited>()(
  "RateLimited",
  { message: Schema.String, retryAfterSeconds: Schema.Number },
  HttpApiSchema.annotations({ status: 429 })
) {
  readonly code = "RATE_LIMITED"
}

/** Every error a customer request can end with, for `HttpApi` error unions and exhaustive handling. */
export type SentError =
  | ValidationFailed
  | InvalidPhoneNumber
  | Unauthorized
  | InsufficientBalance
  | NotFound
  | IdempotencyConflict
  | ChannelUnavailable
  | TemplateVariablesMissing
  | WebhookUrlForbidden
  | RateLimited
