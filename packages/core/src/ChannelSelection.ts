/** Choosing the channel of a send, and deciding the one-time WhatsApp → SMS fallback. */
import { Either } from "effect"
import { type Channel, preference } from "./Channel.js"
import { ChannelUnavailable } from "./Errors.js"
import type { MessageError } from "./MessageStatus.js"

/** The chosen channel, and whether Sent chose it (only automatic choices may fall back). */
export interface Selection {
  readonly channel: Channel
  readonly automatic: boolean
}

/**
 * An explicit channel is honoured when the contact can receive on it and the template may use it;
 * without one, the first channel of `preference` (WhatsApp, then SMS) that both allow.
 */
export const select = (input: {
  readonly requested?: Channel | undefined
  readonly contactChannels: ReadonlyArray<Channel>
  readonly templateChannels: ReadonlyArray<Channel>
}): Either.Either<Selection, ChannelUnavailable> => {
  const usable = preference.filter((c) => input.contactChannels.includes(c) && input.templateChannels.includes(c))
  if (input.requested !== undefined) {
    return usable.includes(input.requested)
      ? Either.right({ channel: input.requested, automatic: false })
      : Either.left(
          new ChannelUnavailable({
            message: input.contactChannels.includes(input.requested)
              ? `The template cannot be sent on ${input.requested}`
              : `The contact cannot receive ${input.requested} messages`,
            requested: input.requested,
            availableChannels: usable
          })
        )
  }
  const [first] = usable
  return first === undefined
    ? Either.left(
        new ChannelUnavailable({
          message: "The contact cannot receive on any channel the template may use",
          availableChannels: usable
        })
      )
    : Either.right({ channel: first, automatic: true })
}

/** The error code providers map "the recipient is not a WhatsApp user" to (Meta's 131026). */
export const notOnWhatsAppCode = "131026"

/**
 * Whether a failed send should be re-routed to SMS: only an automatically chosen WhatsApp send, only for
 * "not a WhatsApp user", only once, and only when the template may go out as SMS.
 */
export const shouldFallBack = (input: {
  readonly selection: Selection
  readonly error: MessageError
  readonly alreadyFellBack: boolean
  readonly templateChannels: ReadonlyArray<Channel>
}): boolean =>
  input.selection.automatic &&
  input.selection.channel === "whatsapp" &&
  input.error.code === notOnWhatsAppCode &&
  !input.alreadyFellBack &&
  input.templateChannels.includes("sms")
