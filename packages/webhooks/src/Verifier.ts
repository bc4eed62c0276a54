/**
 * The receivers' helper: checks a delivery's `webhook-*` headers and raw body against one or more
 * secrets (several during a rotation on the receiver's side), the way any Standard Webhooks verifier does.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Data, Either } from "effect"
import { secretKey } from "./Signature.js"

/** Why a delivery was refused; `reason` is safe to log (it never contains a secret). */
export class WebhookVerificationError extends Data.TaggedError("WebhookVerificationError")<{
  readonly reason: "MissingHeaders" | "InvalidTimestamp" | "TimestampTooOld" | "TimestampTooNew" | "NoMatchingSignature"
}> {
  override get message() {
    return `Webhook verification failed: ${this.reason}`
  }
}

/** A verified delivery: its id, the time it was signed, and the parsed JSON body. */
export interface Verified {
  readonly webhookId: string
  readonly timestamp: Date
  readonly payload: unknown
}

/** Request headers as `node:http` hands them over, or any plain record of them. */
export type IncomingHeaders = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** How far the signed timestamp may be from the receiver's clock, as Standard Webhooks recommends. */
export const defaultToleranceSeconds = 5 * 60

/** What `verify` checks. */
export interface VerifyInput {
  /** Every secret the receiver accepts (`whsec_…`). */
  readonly secrets: ReadonlyArray<string>
  readonly headers: IncomingHeaders
  /** The raw request body, exactly as received. */
  readonly body: string | Buffer
  /** The receiver's clock; the wall clock when omitted. */
  readonly now?: Date | undefined
  readonly toleranceSeconds?: number | undefined
}

const header = (headers: IncomingHeaders, name: string): string | undefined => {
  for (const key in headers) {
    if (key.toLowerCase() === name) {
      const value = headers[key]
      return typeof value === "string" ? value : value?.[0]
    }
  }
  return undefined
}

/** Verifies a delivery; a body that is signed but not JSON is a verified `payload` of the raw string. */
export const verify = (input: VerifyInput): Either.Either<Verified, WebhookVerificationError> => {
  const webhookId = header(input.headers, "webhook-id")
  const timestampHeader = header(input.headers, "webhook-timestamp")
  const signatureHeader = header(input.headers, "webhook-signature")
  if (!webhookId || !timestampHeader || !signatureHeader) {
    return Either.left(new WebhookVerificationError({ reason: "MissingHeaders" }))
  }
  if (!/^\d+$/.test(timestampHeader)) {
    return Either.left(new WebhookVerificationError({ reason: "InvalidTimestamp" }))
  }
  const timestampSeconds = Number(timestampHeader)
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000)
  const tolerance = input.toleranceSeconds ?? defaultToleranceSeconds
  if (nowSeconds - timestampSeconds > tolerance) {
    return Either.left(new WebhookVerificationError({ reason: "TimestampTooOld" }))
  }
  if (timestampSeconds - nowSeconds > tolerance) {
    return Either.left(new WebhookVerificationError({ reason: "TimestampTooNew" }))
  }
  const body = typeof input.body === "string" ? input.body : input.body.toString("utf8")
  const signed = `${webhookId}.${timestampHeader}.${body}`
  const passed = signatureHeader
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => Buffer.from(entry.slice(3), "base64"))
  // Every secret is compared against every signature with no early exit, so timing says nothing about
  // which secret or signature matched.
  let matched = false
  for (const secret of input.secrets) {
    const expected = createHmac("sha256", secretKey(secret)).update(signed).digest()
    for (const signature of passed) {
      if (signature.length === expected.length && timingSafeEqual(signature, expected)) matched = true
    }
  }
  if (!matched) return Either.left(new WebhookVerificationError({ reason: "NoMatchingSignature" }))
  let payload: unknown
  try {
    payload = JSON.parse(body)
  } catch {
    payload = body
  }
  return Either.right({ webhookId, timestamp: new Date(timestampSeconds * 1000), payload })
}
