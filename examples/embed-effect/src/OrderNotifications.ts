/**
 * The host application's own service: a shop that tells its customers their order has shipped. It is
 * written against Sent's services only, so the host decides (in its layers) which store and providers
 * Sent runs on — SQLite in production here, the simulated providers in the tests.
 */
import { Accounts, type Errors, type Ids, type Message, Messaging, Money, TemplateCatalog } from "@sent/core"
import { Context, Data, Duration, Effect, Layer, Schedule } from "effect"

/** An order as the shop knows it. */
export interface Order {
  readonly id: string
  readonly customerName: string
  readonly phoneNumber: string
}

/** The shop's account inside Sent: who pays, and the template it sends. */
export interface ShopAccount {
  readonly customerId: Ids.CustomerId
  readonly shippedTemplateId: Ids.TemplateId
}

/** The shop's shipping notifications. */
export class OrderNotifications extends Context.Tag("@sent/embed-effect/OrderNotifications")<
  OrderNotifications,
  {
    /** Sends the "order shipped" message; resolves with it as committed (`queued`). */
    readonly orderShipped: (order: Order) => Effect.Effect<Message.Message, Messaging.SendError>
    /** The message once its price is final (delivered, read or failed), polling Sent's store. */
    readonly settled: (id: Ids.MessageId) => Effect.Effect<Message.Message, SettleTimeout>
    /** What the shop has left to spend, in micro-units. */
    readonly balance: Effect.Effect<Money.Micros>
  }
>() {}

/** A message did not settle in time (a provider that never reports back, like the simulator's `05`). */
export class SettleTimeout extends Data.TaggedError("SettleTimeout")<{ readonly messageId: Ids.MessageId }> {}

const finalStatuses: ReadonlySet<string> = new Set(["delivered", "read", "failed"])

const isSettled = (message: Message.Message) => finalStatuses.has(message.status) && message.pricing.correctedPrice !== null

/** The notifications of `account`, over Sent's services. */
export const layer = (account: ShopAccount) =>
  Layer.effect(
    OrderNotifications,
    Effect.gen(function*() {
      const messaging = yield* Messaging.Messaging
      const accounts = yield* Accounts.Accounts
      return OrderNotifications.of({
        orderShipped: (order) =>
          Effect.map(
            messaging.send(account.customerId, {
              phoneNumber: order.phoneNumber,
              templateId: account.shippedTemplateId,
              templateVariables: { name: order.customerName, order: order.id }
            }),
            (result) => result.message
          ).pipe(Effect.withSpan("OrderNotifications.orderShipped")),
        settled: (id) =>
          messaging.get(account.customerId, id).pipe(
            Effect.orDie,
            Effect.filterOrFail(isSettled, () => new SettleTimeout({ messageId: id })),
            Effect.retry(Schedule.spaced(Duration.millis(20)).pipe(Schedule.upTo(Duration.seconds(10))))
          ),
        balance: Effect.map(accounts.balance(account.customerId), (balance) => balance.balance)
      })
    })
  )

/** Creates the shop's account in Sent: a customer with some credit and its "order shipped" template. */
export const openShopAccount = (
  credit: Money.Micros
): Effect.Effect<ShopAccount, Errors.ValidationFailed | Errors.NotFound, Accounts.Accounts | TemplateCatalog.TemplateCatalog> =>
  Effect.gen(function*() {
    const accounts = yield* Accounts.Accounts
    const templates = yield* TemplateCatalog.TemplateCatalog
    const { customer } = yield* accounts.createCustomer("Corner Shop")
    yield* accounts.topUp(customer.id, credit)
    const template = yield* templates.create(customer.id, {
      name: "order_shipped",
      body: "Hi {{name}}, your order {{order}} is on its way.",
      category: "UTILITY"
    })
    return { customerId: customer.id, shippedTemplateId: template.id }
  })
