/**
 * The simulated provider: a deterministic stand-in for both channels, for tests and the demo.
 *
 * The last two digits of the recipient's national number pick the outcome (API.md, "Simulated provider"):
 * `01` permanent failure at send, `02` transient failure on attempts 1 and 2, `03` no WhatsApp, `04`
 * WhatsApp looks available but the send is refused as "not a WhatsApp user", `05` accepted then silence,
 * `06` reports out of order and duplicated, `07` accepted then failed; anything else is delivered (and read,
 * on WhatsApp). Status reports arrive after a delay through `InboundReports`, the path real callbacks take.
 * Responses and reports are shaped like the real providers' so the dashboard shows realistic data.
 */
import { Provider, SmsEncoding, type MessageStatus } from "@sent/core"
import { Clock, Config, Duration, Effect, FiberSet, Layer } from "effect"
import { twilioError, whatsappError } from "./internal/errorCodes.js"

/** The provider name status reports are scoped by. */
export const name = "simulated"

/** The report delay when none is configured. */
export const defaultDelayMillis = 5

type Channel = Provider.SendRequest["channel"]

interface Step {
  readonly status: MessageStatus.ReportedStatus
  readonly error?: MessageStatus.MessageError | undefined
}

const ending = (nationalNumber: string): string => nationalNumber.slice(-2)

const permanentFailure = (channel: Channel): MessageStatus.MessageError =>
  channel === "sms"
    ? twilioError("21211", { message: "Invalid 'To' Phone Number", permanent: true })
    : whatsappError("131009", { message: "Parameter value is not valid", permanent: true })

const transientFailure = (channel: Channel): MessageStatus.MessageError =>
  channel === "sms"
    ? twilioError("20429", { message: "Too Many Requests", permanent: false })
    : whatsappError("130429", { message: "Rate limit hit", permanent: false })

const notOnWhatsApp: MessageStatus.MessageError = whatsappError("131026", {
  message: "Message undeliverable",
  permanent: true
})

const undelivered = (channel: Channel): MessageStatus.MessageError =>
  channel === "sms"
    ? twilioError("30005", { message: "Unknown destination handset", permanent: true })
    : whatsappError("131049", { message: "Message not delivered", permanent: true })

/** The reports that follow an accepted send, in the order they arrive. */
const script = (end: string, channel: Channel): ReadonlyArray<Step> => {
  switch (end) {
    case "05":
      return []
    case "06":
      return [{ status: "read" }, { status: "read" }, { status: "delivered" }, { status: "delivered" }]
    case "07":
      return [{ status: "failed", error: undelivered(channel) }]
    default:
      return channel === "whatsapp" ? [{ status: "delivered" }, { status: "read" }] : [{ status: "delivered" }]
  }
}

/** A refusal shaped like the real provider's error body. */
const rejection = (request: Provider.SendRequest, error: MessageStatus.MessageError): Provider.ProviderRejected =>
  new Provider.ProviderRejected({
    error,
    channelResponse:
      request.channel === "sms"
        ? { code: Number(error.code), message: error.message, status: error.permanent ? 400 : 429 }
        : {
            error: {
              message: error.message,
              type: "OAuthException",
              code: Number(error.code),
              error_data: { messaging_product: "whatsapp", details: error.message }
            }
          }
  })

const acceptedResponse = (request: Provider.SendRequest, id: string): Record<string, unknown> =>
  request.channel === "sms"
    ? {
        sid: id,
        status: "queued",
        to: request.to,
        num_segments: String(SmsEncoding.segment(request.body).segments),
        price: null,
        price_unit: "USD"
      }
    : {
        messaging_product: "whatsapp",
        contacts: [{ input: request.to, wa_id: request.to.slice(1) }],
        messages: [{ id }]
      }

/** A report's channel response, shaped like a Twilio status callback or a Meta status object. */
const reportResponse = (
  request: Provider.SendRequest,
  id: string,
  step: Step,
  at: number
): Record<string, unknown> => {
  if (request.channel === "sms") {
    return {
      MessageSid: id,
      MessageStatus: step.status === "failed" ? "undelivered" : step.status,
      To: request.to,
      ...(step.error === undefined ? {} : { ErrorCode: step.error.code })
    }
  }
  return {
    id,
    status: step.status,
    timestamp: String(Math.floor(at / 1000)),
    recipient_id: request.to.slice(1),
    pricing: {
      billable: step.status !== "failed",
      pricing_model: "PMP",
      category: request.template.category.toLowerCase()
    },
    ...(step.error === undefined
      ? {}
      : { errors: [{ code: Number(step.error.code), title: step.error.message, message: step.error.message }] })
  }
}

/** The simulated providers of both channels, delivering status reports after `delayMillis` each. */
export const make = (options?: { readonly delayMillis?: number | undefined }) =>
  Effect.gen(function* () {
    const inbound = yield* Provider.InboundReports
    const fibers = yield* FiberSet.make<void>()
    const delayMillis = options?.delayMillis ?? defaultDelayMillis

    // Reports waiting for their time, by the millisecond they are due: one timer per millisecond, not per
    // report, and those due together arrive together, as a provider's batched callbacks do.
    const due = new Map<number, Array<Provider.InboundReport>>()

    const arrive = (at: number) =>
      Effect.suspend(() => {
        const reports = due.get(at) ?? []
        due.delete(at)
        return inbound.ingest(reports)
      }).pipe(
        // A defect in ingestion must not vanish with the background fiber.
        Effect.catchAllCause((cause) => Effect.logError("Simulated status reports were not ingested", cause))
      )

    /** Step k of the script arrives k delays after the send, so one message's reports keep their order. */
    const report = (request: Provider.SendRequest, id: string, steps: ReadonlyArray<Step>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const timers: Array<number> = []
        steps.forEach((step, i) => {
          const at = now + (i + 1) * delayMillis
          const pending: Provider.InboundReport = {
            provider: name,
            providerMessageId: id,
            report: {
              status: step.status,
              timestamp: new Date(at),
              channelResponse: reportResponse(request, id, step, at),
              error: step.error
            }
          }
          const waiting = due.get(at)
          if (waiting !== undefined) {
            waiting.push(pending)
          } else {
            due.set(at, [pending])
            timers.push(at)
          }
        })
        return Effect.forEach(
          timers,
          (at) => FiberSet.run(fibers, Effect.zipRight(Effect.sleep(Duration.millis(at - now)), arrive(at))),
          { discard: true }
        )
      })

    const send = (request: Provider.SendRequest): Effect.Effect<Provider.Accepted, Provider.ProviderRejected> =>
      Effect.suspend(() => {
        const end = ending(request.nationalNumber)
        if (end === "01") return Effect.fail(rejection(request, permanentFailure(request.channel)))
        if (end === "02" && request.attempt <= 2) return Effect.fail(rejection(request, transientFailure(request.channel)))
        if ((end === "03" || end === "04") && request.channel === "whatsapp") {
          return Effect.fail(rejection(request, notOnWhatsApp))
        }
        const id = `sim_${crypto.randomUUID()}`
        const steps = script(end, request.channel)
        const accepted = Effect.succeed({ providerMessageId: id, channelResponse: acceptedResponse(request, id) })
        return steps.length === 0 ? accepted : Effect.zipRight(report(request, id, steps), accepted)
      })

    const sms: Provider.ChannelProvider = { name, send }
    const whatsapp: Provider.ChannelProvider = { name, send }
    return Provider.Providers.of({
      sms,
      whatsapp,
      hasWhatsApp: (phone) => Effect.succeed(ending(phone.nationalNumber) !== "03")
    })
  })

/** The simulated providers; their reports go to the `InboundReports` the layer is given. */
export const layer = (options?: { readonly delayMillis?: number | undefined }) =>
  Layer.scoped(Provider.Providers, make(options))

/** The simulated providers with the report delay from `SENT_SIMULATED_DELAY_MS` (default 5). */
export const layerConfig = Layer.unwrapEffect(
  Config.integer("SENT_SIMULATED_DELAY_MS").pipe(
    Config.withDefault(defaultDelayMillis),
    Config.validate({ message: "must not be negative", validation: (n: number) => n >= 0 }),
    Effect.map((delayMillis) => layer({ delayMillis }))
  )
)
