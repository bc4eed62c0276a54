/** Sent's channel providers: the simulated one, a Twilio-compatible SMS adapter and a WhatsApp Cloud API adapter. */
export * as Callbacks from "./Callbacks.js"
export * as Live from "./Live.js"
export * as Simulated from "./Simulated.js"
export * as Twilio from "./Twilio.js"
export * as WhatsApp from "./WhatsApp.js"
