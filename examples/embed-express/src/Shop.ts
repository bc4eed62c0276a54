/**
 * "Corner Shop", an existing Express 5 service that adds Sent. Its own routes (`/orders/...`,
 * `/account`) call Sent through the Promise facade; Sent's whole HTTP API (with its docs and the
 * playground) is mounted under `/sent` for the shop's other clients. Both run on one Sent instance.
 */
import express, { type NextFunction, type Request, type Response } from "express"
import { type Ids, type Message, Money } from "@sent/core"
import { Sent } from "@sent/runtime"
import * as SentApi from "./SentApi.js"

/** How the shop runs Sent. */
export interface Options {
  /** Where Sent keeps its data and which providers carry the messages. */
  readonly sent: Sent.SentOptions
  /** The operator key of the mounted `/sent/admin/...` routes. */
  readonly adminKey: string
  /** What the shop's Sent account opens with, in micro-units. */
  readonly credit: Money.Micros
}

/** The running shop. */
export interface Shop {
  readonly app: express.Express
  /** The shop's API key for the mounted Sent API. */
  readonly apiKey: string
  readonly close: () => Promise<void>
}

/** What the shop's own routes answer about a notification. */
const view = (orderId: string, message: Message.Message) => ({
  orderId,
  messageId: message.id,
  status: message.status,
  channel: message.channel,
  statusHistory: message.statusHistory.map((entry) => entry.status),
  price: Money.toDecimal(message.pricing.correctedPrice ?? message.pricing.originalPrice)
})

// Sent's failures carry a stable `code`; the shop answers them with the status Sent's API would.
const statusByCode: Readonly<Record<string, number>> = {
  VALIDATION_FAILED: 400,
  INVALID_PHONE_NUMBER: 400,
  INSUFFICIENT_BALANCE: 402,
  NOT_FOUND: 404,
  IDEMPOTENCY_CONFLICT: 409,
  CHANNEL_UNAVAILABLE: 422,
  TEMPLATE_VARIABLES_MISSING: 422
}

const codeOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined

/** Opens the shop: Sent, the shop's account and template, and the Express app. */
export const create = async (options: Options): Promise<Shop> => {
  const sent = await Sent.createSent(options.sent)
  const { customer, apiKey } = await sent.customers.create("Corner Shop")
  await sent.customers.topUp(customer.id, options.credit)
  const template = await sent.templates.create(customer.id, {
    name: "order_shipped",
    body: "Hi {{name}}, your order {{order}} is on its way."
  })
  const api = await SentApi.make(sent, { adminKey: options.adminKey })
  // The shop's own record of which message told which order; a real shop keeps it in its database.
  const notifications = new Map<string, Ids.MessageId>()

  const app = express()
  // Before any body parser: Sent's API reads and checks its request bodies itself.
  app.use("/sent", api.handler)

  app.get("/health", (_request, response) => {
    response.json({ status: "ok" })
  })

  app.post("/orders/:orderId/shipped", express.json(), async (request: Request<{ orderId: string }>, response) => {
    const { orderId } = request.params
    const { customerName, phoneNumber } = (request.body ?? {}) as { customerName?: unknown; phoneNumber?: unknown }
    if (typeof customerName !== "string" || typeof phoneNumber !== "string") {
      response.status(400).json({ error: "customerName and phoneNumber are required" })
      return
    }
    // One notification per order, however often the warehouse calls: the order id is the idempotency key.
    const message = await sent.messages.send(
      customer.id,
      { phoneNumber, templateId: template.id, templateVariables: { name: customerName, order: orderId } },
      { idempotencyKey: `order-shipped:${orderId}` }
    )
    notifications.set(orderId, message.id)
    response.status(202).json(view(orderId, message))
  })

  app.get("/orders/:orderId/notification", async (request: Request<{ orderId: string }>, response) => {
    const messageId = notifications.get(request.params.orderId)
    if (messageId === undefined) {
      response.status(404).json({ error: "No notification for this order" })
      return
    }
    response.json(view(request.params.orderId, await sent.messages.get(customer.id, messageId)))
  })

  app.get("/account", async (_request, response) => {
    const { balance, currency } = await sent.customers.balance(customer.id)
    response.json({ balance: Money.toDecimal(balance), currency })
  })

  // Express 5 routes rejected promises here.
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const code = codeOf(error)
    const status = code === undefined ? 500 : statusByCode[code] ?? 500
    response.status(status).json({ error: status === 500 ? "Internal error" : (error as Error).message, code })
  })

  return {
    app,
    apiKey,
    close: async () => {
      await api.close()
      await sent.close()
    }
  }
}
