/** An Express service embedding Sent: the shop, and Sent's API as an Express-mountable handler. */
export * as SentApi from "./SentApi.js"
export * as Shop from "./Shop.js"
