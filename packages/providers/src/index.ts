/** Sent's channel providers: the simulated one, a Twilio-compatible SMS adapter and a WhatsApp Cloud API adapter. */
export * as Simulated from "./Simulated.js"
