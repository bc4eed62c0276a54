/** Sent composed: the one layer hosts and tests build on, and the Promise facade. */
export * as Sent from "./Sent.js"
export * as SentLayer from "./SentLayer.js"
