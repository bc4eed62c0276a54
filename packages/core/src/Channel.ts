/** The channels a message can travel on. */
import { Schema } from "effect"

/** `sms` or `whatsapp`. */
export const Channel = Schema.Literal("sms", "whatsapp")
export type Channel = typeof Channel.Type

/** Every channel, in the order automatic selection prefers them. */
export const preference: ReadonlyArray<Channel> = ["whatsapp", "sms"]
