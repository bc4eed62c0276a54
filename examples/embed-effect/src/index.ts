/** An Effect host embedding Sent: its own service over Sent's, and the layers that run it. */
export * as OrderNotifications from "./OrderNotifications.js"
