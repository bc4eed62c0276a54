/**
 * Standard Webhooks signing: `whsec_` secrets, and the `webhook-*` headers of one delivery attempt.
 * The signed content is `<webhook-id>.<webhook-timestamp>.<body>`, HMAC-SHA256 keyed with the secret's
 * base64-decoded bytes, written `v1,<base64>`; several signatures are space separated.
 */
import { createHmac, randomBytes } from "node:crypto"
import { Effect } from "effect"

/** The prefix of every signing secret. */
export const secretPrefix = "whsec_"

/** Bytes of randomness in a new secret (Standard Webhooks asks for 24 to 64). */
const secretBytes = 32

/** A fresh signing secret: `whsec_` and the base64 of 32 random bytes. */
export const generateSecret: Effect.Effect<string> = Effect.sync(
  () => secretPrefix + randomBytes(secretBytes).toString("base64")
)

/** The HMAC key a secret stands for: its base64 part, decoded. */
export const secretKey = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret, "base64")

/** How many secrets' decoded keys are kept. */
const maxKeys = 1024

// Every delivery is signed with its endpoint's few secrets: each is decoded once, not once per attempt.
// Bounded, since secrets come and go with endpoints and rotations.
const keys = new Map<string, Buffer>()
const keyOf = (secret: string): Buffer => {
  const known = keys.get(secret)
  if (known !== undefined) return known
  const key = secretKey(secret)
  if (keys.size >= maxKeys) keys.clear()
  keys.set(secret, key)
  return key
}

/** The signature of one message under one secret, `v1,<base64>`. */
export const sign = (secret: string, webhookId: string, timestampSeconds: number, body: string): string =>
  "v1," + createHmac("sha256", keyOf(secret)).update(`${webhookId}.${timestampSeconds}.${body}`).digest("base64")

/** The headers of one delivery attempt, signed with every given secret (current first). */
export type Headers = {
  readonly "webhook-id": string
  readonly "webhook-timestamp": string
  readonly "webhook-signature": string
  readonly "content-type": "application/json"
}

/** Signs `body` for an attempt at `timestampSeconds` with each secret, as the attempt's headers. */
export const headers = (
  secrets: ReadonlyArray<string>,
  webhookId: string,
  timestampSeconds: number,
  body: string
): Headers => {
  let signature = ""
  for (const secret of secrets) {
    signature += (signature === "" ? "" : " ") + sign(secret, webhookId, timestampSeconds, body)
  }
  return {
    "webhook-id": webhookId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signature,
    "content-type": "application/json"
  }
}
