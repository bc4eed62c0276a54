/** Sent's HTTP API: the contract (`Api`), its handlers, authentication, body checks, and the server. */
export * as Api from "./Api.js"
export * as Auth from "./Auth.js"
export * as ErrorEnvelope from "./ErrorEnvelope.js"
export * as Lists from "./Lists.js"
export * as RateLimit from "./RateLimit.js"
export * as RequestBody from "./RequestBody.js"
export * as Server from "./Server.js"
