/** One provider API call, and the failures every provider shares: timeouts, transport errors, `Retry-After`. */
import type { HttpClient, HttpClientRequest } from "@effect/platform"
import { type MessageStatus, Provider } from "@sent/core"
import { Clock, Duration, Effect, Either } from "effect"

/** How long a provider may take to answer a send before it counts as a transient failure. */
const timeout = Duration.seconds(30)

/** A provider's answer: its HTTP status, its JSON body (undefined when not JSON) and its `Retry-After`. */
export interface Answer {
  readonly status: number
  readonly body: unknown
  readonly retryAfterMillis: number | undefined
}

/** Milliseconds from `Retry-After` (delay-seconds or an HTTP date), or undefined when absent or unreadable. */
export const retryAfterMillis = (header: string | undefined, nowMillis: number): number | undefined => {
  if (header === undefined || header.trim() === "") return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMillis)
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const transient = (code: string, message: string) =>
  new Provider.ProviderRejected({ error: { code, message, permanent: false } })

/**
 * Sends a request and hands the answer to `interpret`. Transport errors and timeouts are transient
 * rejections: the request may not have reached the provider, and the same send may succeed later.
 */
export const exchange = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  providerLabel: string,
  interpret: (answer: Answer) => Either.Either<Provider.Accepted, Provider.ProviderRejected>
): Effect.Effect<Provider.Accepted, Provider.ProviderRejected> =>
  Effect.gen(function* () {
    const response = yield* client.execute(request)
    const text = yield* response.text
    const now = yield* Clock.currentTimeMillis
    return {
      status: response.status,
      body: parseJson(text),
      retryAfterMillis: retryAfterMillis(response.headers["retry-after"], now)
    }
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => transient("TIMEOUT", `${providerLabel} did not answer within ${Duration.format(timeout)}`)
    }),
    Effect.catchTag("RequestError", "ResponseError", (error) => {
      // Only the reason: the error's request would carry the credentials.
      const detail = error.description === undefined ? error.reason : `${error.reason}: ${error.description}`
      return Effect.fail(transient("NETWORK_ERROR", `Could not reach ${providerLabel} (${detail})`))
    }),
    Effect.flatMap((answer) => interpret(answer))
  )

/** The rejection for a non-2xx answer: 429 and 5xx are always transient, others keep the error's own permanence. */
export const rejectAnswer = (
  answer: Answer,
  error: MessageStatus.MessageError
): Provider.ProviderRejected => {
  const throttledOrDown = answer.status === 429 || answer.status >= 500
  return new Provider.ProviderRejected({
    error: { ...error, permanent: throttledOrDown ? false : error.permanent },
    channelResponse: isRecord(answer.body) ? answer.body : { status: answer.status },
    retryAfterMillis: answer.retryAfterMillis
  })
}

/** Whether a JSON value is an object (and so usable as a channel response). */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** The rejection for a 2xx answer that does not say which message the provider created. */
export const unreadableSuccess = (providerLabel: string, answer: Answer): Provider.ProviderRejected =>
  // Permanent on purpose: the provider may have sent it, and a retry could text the recipient twice.
  new Provider.ProviderRejected({
    error: {
      code: "PROVIDER_RESPONSE_INVALID",
      message: `${providerLabel} answered ${answer.status} without a readable message id`,
      permanent: true
    },
    channelResponse: isRecord(answer.body) ? answer.body : { status: answer.status }
  })
