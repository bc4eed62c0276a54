/** Sent's webhooks: Standard Webhooks signing and verification, endpoints, and the delivery dispatcher. */
export * as Dispatcher from "./Dispatcher.js"
export * as Events from "./Events.js"
export * as RetrySchedule from "./RetrySchedule.js"
export * as Sender from "./Sender.js"
export * as Signature from "./Signature.js"
export * as UrlPolicy from "./UrlPolicy.js"
export * as Verifier from "./Verifier.js"
export * as WebhookEndpoints from "./WebhookEndpoints.js"
