/**
 * Sending and reading messages. A send resolves the contact, renders the template, chooses the channel
 * and quotes the price, then in ONE transaction debits the balance (only if it covers the quote), stores
 * the message (`queued`), its ledger entry, its dispatch job, the new contact if any, and the idempotency
 * record. Anything that fails leaves nothing behind. Concurrent sends are committed in batches (`Storage.Sends`).
 */
import { createHash } from "node:crypto"
import { Context, Effect, Layer, Option } from "effect"
import type { Channel } from "./Channel.js"
import * as ChannelSelection from "./ChannelSelection.js"
import { ContactBook } from "./ContactBook.js"
import {
  type ChannelUnavailable,
  IdempotencyConflict,
  InsufficientBalance,
  type InvalidPhoneNumber,
  NotFound,
  type TemplateVariablesMissing,
  ValidationFailed
} from "./Errors.js"
import * as Ids from "./Ids.js"
import { now } from "./internal/time.js"
import * as Batcher from "./internal/batcher.js"
import { type Message, type MessageRecord, toMessage } from "./Message.js"
import * as MessageStatus from "./MessageStatus.js"
import { type Micros, micros, toDecimal } from "./Money.js"
import * as PhoneNumber from "./PhoneNumber.js"
import * as RateCard from "./RateCard.js"
import * as SmsEncoding from "./SmsEncoding.js"
import * as Storage from "./Storage.js"
import {
  IdempotencyKeys,
  JobSignals,
  type MessageFilter,
  Messages,
  type Page,
  type PageRequest,
  Rates,
  Sends,
  Templates
} from "./Storage.js"
import * as Template from "./Template.js"

/** What a customer asks to send. Exactly one of `contactId` and `phoneNumber`. */
export interface SendRequest {
  readonly contactId?: Ids.ContactId | undefined
  readonly phoneNumber?: string | undefined
  readonly templateId: Ids.TemplateId
  readonly templateVariables?: Template.TemplateVariables | undefined
  readonly channel?: Channel | undefined
}

/** Every way a send can be refused. */
export type SendError =
  | ValidationFailed
  | InvalidPhoneNumber
  | NotFound
  | ChannelUnavailable
  | TemplateVariablesMissing
  | InsufficientBalance
  | IdempotencyConflict

/** What a preview asks for. */
export interface PreviewRequest {
  readonly templateVariables?: Template.TemplateVariables | undefined
  readonly phoneNumber?: string | undefined
  readonly channel?: Channel | undefined
}

/** A render of a template as a send would make it, with its encoding, segments and estimated price. */
export interface Preview {
  readonly messageBody: string
  readonly channel: Channel
  readonly encoding: SmsEncoding.Encoding
  readonly segments: number
  readonly estimatedPrice: Micros
  readonly currency: "USD"
}

/** Sending, reading and previewing messages. */
export class Messaging extends Context.Tag("@sent/core/Messaging")<
  Messaging,
  {
    /**
     * Sends a message; `replayed` is true when an earlier send with the same idempotency key and request
     * is answered again (and nothing new happened).
     */
    readonly send: (
      customerId: Ids.CustomerId,
      request: SendRequest,
      idempotencyKey?: string | undefined
    ) => Effect.Effect<{ readonly message: Message; readonly replayed: boolean }, SendError>
    readonly get: (customerId: Ids.CustomerId, id: Ids.MessageId) => Effect.Effect<Message, NotFound>
    readonly list: (customerId: Ids.CustomerId, filter: MessageFilter, page: PageRequest) => Effect.Effect<Page<Message>>
    readonly preview: (
      customerId: Ids.CustomerId,
      templateId: Ids.TemplateId,
      request: PreviewRequest
    ) => Effect.Effect<Preview, NotFound | InvalidPhoneNumber | ChannelUnavailable | TemplateVariablesMissing>
  }
>() {
  /** Messaging over the storage ports and the contact book; its send batcher lives as long as the layer. */
  static readonly layer = Layer.scoped(Messaging, Effect.suspend(() => make))
}

/** The request's fingerprint: "the same request" is the same JSON value, whatever its key order. */
export const requestHash = (request: SendRequest): string => createHash("sha256").update(canonicalJson(request)).digest("hex")

const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`
  }
  return JSON.stringify(value)
}

/**
 * Concurrent sends are written in batches (one transaction, a few statements for all), so a busy
 * process pays one commit for many sends; the dispatch worker is woken once per batch.
 */
const sendBatcher = Effect.gen(function*() {
  const sends = yield* Sends
  const signals = yield* JobSignals
  return yield* Batcher.make(256, (batch: ReadonlyArray<Storage.SendCommit>) =>
    Effect.tap(sends.commit(batch), (outcomes) =>
      outcomes.some((outcome) => outcome._tag === "Committed") ? signals.signal("dispatch") : Effect.void))
})

const make = Effect.gen(function*() {
  const contactBook = yield* ContactBook
  const templates = yield* Templates
  const messages = yield* Messages
  const rates = yield* Rates
  const keys = yield* IdempotencyKeys
  const commit = yield* sendBatcher

  const findTemplate = (customerId: Ids.CustomerId, id: Ids.TemplateId) =>
    Effect.flatMap(templates.find(customerId, id), Option.match({
      onNone: () => Effect.fail(NotFound.of("template", id)),
      onSome: Effect.succeed
    }))

  const replayOf = (customerId: Ids.CustomerId, key: string, hash: string) =>
    Effect.flatMap(keys.find(customerId, key), Option.match({
      onNone: () => Effect.succeed(Option.none<{ message: Message; replayed: boolean }>()),
      onSome: (stored) =>
        stored.requestHash === hash
          ? Effect.succeed(Option.some({ message: stored.message, replayed: true }))
          : Effect.fail(
            new IdempotencyConflict({
              message: "This Idempotency-Key was used with a different request",
              idempotencyKey: key
            })
          )
    }))

  const send = (customerId: Ids.CustomerId, request: SendRequest, idempotencyKey?: string) =>
    Effect.gen(function*() {
      const hash = idempotencyKey === undefined ? "" : requestHash(request)
      if (idempotencyKey !== undefined) {
        const earlier = yield* replayOf(customerId, idempotencyKey, hash)
        if (Option.isSome(earlier)) return earlier.value
      }
      if ((request.contactId === undefined) === (request.phoneNumber === undefined)) {
        return yield* new ValidationFailed({
          message: "Give exactly one of contactId and phoneNumber",
          details: [
            { field: "contactId", message: "exactly one of contactId and phoneNumber is required" },
            { field: "phoneNumber", message: "exactly one of contactId and phoneNumber is required" }
          ]
        })
      }
      const template = yield* findTemplate(customerId, request.templateId)
      const resolved = request.contactId !== undefined
        ? yield* Effect.map(contactBook.get(customerId, request.contactId), (contact) => ({ contact, stored: true }))
        : yield* contactBook.resolve(customerId, request.phoneNumber!)
      const selection = yield* ChannelSelection.select({
        requested: request.channel,
        contactChannels: resolved.contact.availableChannels,
        templateChannels: template.channels
      })
      const variables = request.templateVariables ?? {}
      const messageBody = yield* Template.render(template.body, variables)
      const segments = selection.channel === "sms" ? SmsEncoding.segment(messageBody).segments : 1
      const price = RateCard.quote(yield* rates.all, {
        channel: selection.channel,
        countryCode: resolved.contact.countryCode,
        segments
      })
      const at = yield* now
      const id = Ids.at(Ids.MessageId, at)
      const chargeId = Ids.at(Ids.LedgerEntryId, at)
      const { nationalNumber } = yield* Effect.orDie(PhoneNumber.parse(resolved.contact.phoneNumber))

      const record: MessageRecord = {
        id,
        customerId,
        contact: { id: resolved.contact.id, phoneNumber: resolved.contact.phoneNumber },
        template: { id: template.id, name: template.name },
        ...MessageStatus.queued(selection.channel, at),
        messageBody,
        pricing: { originalPrice: price, correctedPrice: null, currency: "USD" },
        createdAt: at,
        updatedAt: at,
        countryCode: resolved.contact.countryCode,
        nationalNumber,
        segments,
        templateCategory: template.category,
        templateParameters: Template.positionalParameters(template.body, variables),
        templateChannels: template.channels,
        automatic: selection.automatic,
        provider: null,
        providerMessageId: null,
        charged: price
      }
      const outcome = yield* commit({
        record,
        charge: { id: chargeId, amount: micros(-price), reason: "message_charge", messageId: id, createdAt: at },
        newContact: resolved.stored ? undefined : resolved.contact,
        idempotency: idempotencyKey === undefined ? undefined : { key: idempotencyKey, requestHash: hash }
      })
      switch (outcome._tag) {
        case "Committed":
          return { message: toMessage(outcome.record), replayed: false }
        case "InsufficientBalance":
          return yield* new InsufficientBalance({
            message: `The balance of ${toDecimal(outcome.balance)} USD does not cover this message's ${toDecimal(price)} USD`,
            required: toDecimal(price),
            balance: toDecimal(outcome.balance)
          })
        case "KeyTaken":
          // A concurrent send took the key after our first look: answer with its result.
          return yield* Effect.flatMap(replayOf(customerId, idempotencyKey!, hash), (stored) => Effect.orDie(stored))
      }
    })

  return Messaging.of({
    send,
    get: (customerId, id) =>
      Effect.flatMap(messages.find(customerId, id), Option.match({
        onNone: () => Effect.fail(NotFound.of("message", id)),
        onSome: (record) => Effect.succeed(toMessage(record))
      })),
    list: (customerId, filter, page) =>
      Effect.map(messages.list(customerId, filter, page), (result) => ({ ...result, data: result.data.map(toMessage) })),
    preview: (customerId, templateId, request) =>
      Effect.gen(function*() {
        const template = yield* findTemplate(customerId, templateId)
        const messageBody = yield* Template.render(template.body, request.templateVariables ?? {})
        const contact = request.phoneNumber === undefined
          ? undefined
          : (yield* contactBook.resolve(customerId, request.phoneNumber)).contact
        const channel = contact === undefined
          ? request.channel ?? "sms"
          : (yield* ChannelSelection.select({
            requested: request.channel,
            contactChannels: contact.availableChannels,
            templateChannels: template.channels
          })).channel
        const { encoding, segments: smsSegments } = SmsEncoding.segment(messageBody)
        const segments = channel === "sms" ? smsSegments : 1
        const estimatedPrice = RateCard.quote(yield* rates.all, { channel, countryCode: contact?.countryCode, segments })
        return { messageBody, channel, encoding, segments, estimatedPrice, currency: "USD" as const }
      })
  })
})
