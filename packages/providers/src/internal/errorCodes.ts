/**
 * What the providers' error codes mean, so the adapters and the simulated provider describe a failure the
 * same way. `permanent` answers one question: could sending the same message again later succeed?
 */
import type { MessageStatus } from "@sent/core"

interface Known {
  readonly message: string
  readonly permanent: boolean
}

const twilio: Record<string, Known> = {
  "20429": { message: "Too Many Requests", permanent: false },
  "21211": { message: "Invalid 'To' Phone Number", permanent: true },
  "21610": { message: "Attempt to send to unsubscribed recipient", permanent: true },
  "30001": { message: "Queue overflow", permanent: false },
  "30003": { message: "Unreachable destination handset", permanent: false },
  "30005": { message: "Unknown destination handset", permanent: true },
  "30006": { message: "Landline or unreachable carrier", permanent: true },
  "30007": { message: "Message filtered by the carrier", permanent: true },
  "30008": { message: "Unknown error", permanent: false }
}

const whatsapp: Record<string, Known> = {
  "80007": { message: "Rate limit issues", permanent: false },
  "130429": { message: "Rate limit hit: the phone number's throughput was exceeded", permanent: false },
  "131000": { message: "Something went wrong", permanent: false },
  "131009": { message: "Parameter value is not valid", permanent: true },
  "131026": { message: "Message undeliverable: the recipient is not a WhatsApp user", permanent: true },
  "131047": {
    message: "Re-engagement message: more than 24 hours have passed since the recipient last replied",
    permanent: true
  },
  "131049": {
    message: "Meta chose not to deliver this message to maintain healthy ecosystem engagement",
    permanent: true
  }
}

const lookup = (
  table: Record<string, Known>,
  code: string,
  fallback: { readonly message: string; readonly permanent: boolean }
): MessageStatus.MessageError => {
  const known = table[code]
  return known === undefined ? { code, ...fallback } : { code, ...known }
}

/** The error for a Twilio code; codes not in the table take the fallback's description and permanence. */
export const twilioError = (
  code: string,
  fallback: { readonly message: string; readonly permanent: boolean }
): MessageStatus.MessageError => lookup(twilio, code, fallback)

/** The error for a WhatsApp Cloud API code; codes not in the table take the fallback. */
export const whatsappError = (
  code: string,
  fallback: { readonly message: string; readonly permanent: boolean }
): MessageStatus.MessageError => lookup(whatsapp, code, fallback)
