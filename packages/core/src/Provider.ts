/**
 * The channel provider port: what Sent needs from an SMS or WhatsApp provider, and the shape of the
 * status reports every provider's callbacks are turned into before they reach status tracking.
 */
import { Context, Data, type Effect } from "effect"
import type { Channel } from "./Channel.js"
import type { MessageId } from "./Ids.js"
import type { MessageError, StatusReport } from "./MessageStatus.js"
import type { Micros } from "./Money.js"
import type { E164 } from "./PhoneNumber.js"
import type { Category } from "./Template.js"

/** Everything a provider needs to send one message. */
export interface SendRequest {
  readonly messageId: MessageId
  readonly channel: Channel
  readonly to: E164
  /** The national significant number (the simulated provider reads its ending). */
  readonly nationalNumber: string
  /** The rendered text (SMS). */
  readonly body: string
  /** The template as WhatsApp sends it: its name and positional body parameters. */
  readonly template: { readonly name: string; readonly category: Category; readonly parameters: ReadonlyArray<string> }
  /** 1 for the first try of this message on this channel. */
  readonly attempt: number
}

/** A provider accepted the message. */
export interface Accepted {
  /** The provider's id for the message (Twilio `SM…`, WhatsApp `wamid…`); callbacks name it. */
  readonly providerMessageId: string
  readonly channelResponse: Record<string, unknown>
  /** A price the provider quoted at send time, when it gives one. */
  readonly price?: Micros | undefined
}

/** A provider refused a send. `permanent: false` means the same send may succeed later. */
export class ProviderRejected extends Data.TaggedError("ProviderRejected")<{
  readonly error: MessageError
  readonly channelResponse?: Record<string, unknown> | undefined
  /** The provider asked to wait this long before retrying. */
  readonly retryAfterMillis?: number | undefined
}> {}

/** One channel's provider. */
export interface ChannelProvider {
  readonly name: string
  readonly send: (request: SendRequest) => Effect.Effect<Accepted, ProviderRejected>
}

/** The providers of both channels, and WhatsApp's availability lookup. */
export class Providers extends Context.Tag("@sent/core/Providers")<
  Providers,
  {
    readonly sms: ChannelProvider
    readonly whatsapp: ChannelProvider
    /** Whether a number can receive WhatsApp messages, asked once when a contact is created. */
    readonly hasWhatsApp: (phone: { readonly e164: E164; readonly nationalNumber: string }) => Effect.Effect<boolean>
  }
>() {}

/** A status report about a message known by its provider id, as a callback carries it. */
export interface InboundReport {
  /** The provider's name, which scopes its message ids. */
  readonly provider: string
  readonly providerMessageId: string
  readonly report: StatusReport
  /** A final price the provider reported. */
  readonly price?: Micros | undefined
}

/**
 * The single inbound path of provider status reports: HTTP callbacks and the simulated provider both
 * hand their reports to it. Status tracking implements it.
 */
export class InboundReports extends Context.Tag("@sent/core/InboundReports")<
  InboundReports,
  {
    /** Applies reports in the order given; those received together are best handed over together. */
    readonly ingest: (reports: ReadonlyArray<InboundReport>) => Effect.Effect<void>
  }
>() {}
