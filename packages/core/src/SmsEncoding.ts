/** How an SMS body is encoded and how many segments it takes, from Twilio's maintained calculator. */
import { Schema } from "effect"
import { SegmentedMessage } from "sms-segments-calculator"

/** `GSM-7` (160 characters, 153 per part) or `UCS-2` (70, 67 per part). */
export const Encoding = Schema.Literal("GSM-7", "UCS-2")
export type Encoding = typeof Encoding.Type

/** The encoding and segment count of a body. */
export interface Segmentation {
  readonly encoding: Encoding
  readonly segments: number
}

// Plain ASCII text made only of GSM-7 basic-table characters is one septet per character, which the
// calculator needs a grapheme walk to find out; a property test holds this shortcut to the library.
const plainGsm7 = /^[A-Za-z0-9 \n\r!"#$%&'()*+,\-./:;<=>?@_]*$/

/** Segments an SMS body; an empty body still takes one segment. */
export const segment = (body: string): Segmentation => {
  if (plainGsm7.test(body)) {
    return { encoding: "GSM-7", segments: body.length <= 160 ? 1 : Math.ceil(body.length / 153) }
  }
  const message = new SegmentedMessage(body)
  return {
    encoding: message.encodingName === "UCS-2" ? "UCS-2" : "GSM-7",
    segments: Math.max(1, message.segmentsCount)
  }
}
