/**
 * The storage ports. Each repository is scoped by customer where the data is a customer's, so tenant
 * isolation is a property of the port, not of every caller. `Transactor.withTransaction` makes a group
 * of repository calls atomic (nested calls become savepoints); the SQL adapter implements all of them.
 */
import { Context, type Effect, type Option } from "effect"
import type { Channel } from "./Channel.js"
import type { Contact } from "./Contact.js"
import type { Customer, LedgerEntry } from "./Customer.js"
import type { ContactId, CustomerId, DeliveryId, EventId, MessageId, TemplateId, WebhookId } from "./Ids.js"
import type { Message, MessageRecord } from "./Message.js"
import type { MessageStatus } from "./MessageStatus.js"
import type { Micros } from "./Money.js"
import type { InboundReport } from "./Provider.js"
import type { Rate } from "./RateCard.js"
import type { Template } from "./Template.js"
import type { Delivery, DeliveryStatus, EventType, WebhookEndpoint } from "./Webhook.js"

/** A page request: at most `limit` items after the opaque `cursor`. */
export interface PageRequest {
  readonly limit: number
  readonly cursor?: string | undefined
}

/** A page of items, newest first, and the cursor of the next page (`null` on the last). */
export interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly nextCursor: string | null
}

/** Runs effects atomically. */
export class Transactor extends Context.Tag("@sent/core/Transactor")<
  Transactor,
  { readonly withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> }
>() {}

/** Customers and their hashed API keys. */
export class Customers extends Context.Tag("@sent/core/Customers")<
  Customers,
  {
    readonly insert: (customer: Customer, apiKeyHash: string) => Effect.Effect<void>
    /** Adds a key; `false` when there is no such customer. */
    readonly addApiKey: (id: CustomerId, apiKeyHash: string) => Effect.Effect<boolean>
    readonly findByApiKeyHash: (apiKeyHash: string) => Effect.Effect<Option.Option<Customer>>
    readonly find: (id: CustomerId) => Effect.Effect<Option.Option<Customer>>
    /** Whether any customer exists (the host seeds a demo one into an empty store). */
    readonly any: Effect.Effect<boolean>
  }
>() {}

/** The balance and its ledger. Every change of one is a row of the other, in the same transaction. */
export class Ledger extends Context.Tag("@sent/core/Ledger")<
  Ledger,
  {
    readonly balance: (customerId: CustomerId) => Effect.Effect<Micros>
    /**
     * Debits `-entry.amount` only if the balance covers it, recording the entry; `false` (and nothing
     * written) when it does not. Atomic on its own: concurrent debits never overdraw.
     */
    readonly debitIfCovered: (customerId: CustomerId, entry: LedgerEntry) => Effect.Effect<boolean>
    /** Applies a signed entry unconditionally (top-ups, refunds, corrections); returns the new balance. */
    readonly append: (customerId: CustomerId, entry: LedgerEntry) => Effect.Effect<Micros>
    readonly list: (customerId: CustomerId, page: PageRequest) => Effect.Effect<Page<LedgerEntry>>
  }
>() {}

/** The rate card. */
export class Rates extends Context.Tag("@sent/core/Rates")<
  Rates,
  {
    readonly all: Effect.Effect<ReadonlyArray<Rate>>
    /** Replaces the rows with the same (channel, country) and returns the whole card. */
    readonly merge: (rows: ReadonlyArray<Rate>) => Effect.Effect<ReadonlyArray<Rate>>
  }
>() {}

/** Contacts, unique per (customer, phone number). */
export class Contacts extends Context.Tag("@sent/core/Contacts")<
  Contacts,
  {
    /** Inserts the contact, or returns the existing one with the same number unchanged (`created: false`). */
    readonly insertOrGet: (
      customerId: CustomerId,
      contact: Contact
    ) => Effect.Effect<{ readonly contact: Contact; readonly created: boolean }>
    readonly find: (customerId: CustomerId, id: ContactId) => Effect.Effect<Option.Option<Contact>>
    readonly findByPhoneNumber: (customerId: CustomerId, e164: string) => Effect.Effect<Option.Option<Contact>>
    readonly list: (customerId: CustomerId, page: PageRequest) => Effect.Effect<Page<Contact>>
    /** `false` when there was no such contact. Its messages keep their contact summary. */
    readonly delete: (customerId: CustomerId, id: ContactId) => Effect.Effect<boolean>
    readonly setChannels: (
      customerId: CustomerId,
      id: ContactId,
      channels: ReadonlyArray<Channel>,
      at: Date
    ) => Effect.Effect<void>
  }
>() {}

/** Templates. */
export class Templates extends Context.Tag("@sent/core/Templates")<
  Templates,
  {
    readonly insert: (customerId: CustomerId, template: Template) => Effect.Effect<void>
    readonly find: (customerId: CustomerId, id: TemplateId) => Effect.Effect<Option.Option<Template>>
    readonly list: (customerId: CustomerId, page: PageRequest) => Effect.Effect<Page<Template>>
    readonly delete: (customerId: CustomerId, id: TemplateId) => Effect.Effect<boolean>
  }
>() {}

/** Filters of the message list. */
export interface MessageFilter {
  readonly status?: MessageStatus | undefined
  readonly channel?: Channel | undefined
  readonly contactId?: ContactId | undefined
}

/** Messages with their status history. */
export class Messages extends Context.Tag("@sent/core/Messages")<
  Messages,
  {
    readonly insert: (record: MessageRecord) => Effect.Effect<void>
    readonly find: (customerId: CustomerId, id: MessageId) => Effect.Effect<Option.Option<MessageRecord>>
    /** The messages with these ids that exist, in id order. */
    readonly findMany: (ids: ReadonlyArray<MessageId>) => Effect.Effect<ReadonlyArray<MessageRecord>>
    /**
     * The same, read for an update in the current transaction: the rows are locked where the store can,
     * in id order, so transactions locking overlapping sets never wait on each other in a cycle.
     */
    readonly findManyForUpdate: (ids: ReadonlyArray<MessageId>) => Effect.Effect<ReadonlyArray<MessageRecord>>
    /** The messages a provider knows by these ids, read for an update as `findManyForUpdate` does. */
    readonly findManyByProviderIds: (
      provider: string,
      providerMessageIds: ReadonlyArray<string>
    ) => Effect.Effect<ReadonlyArray<MessageRecord>>
    /**
     * Writes back, in one statement, what a lifecycle changes of records read for update: channel, status,
     * history, channel response, corrected price, error, fallback, segments, automatic, provider ids,
     * charge, and `updatedAt`. Who a message is for and what it says never change.
     */
    readonly saveMany: (records: ReadonlyArray<MessageRecord>) => Effect.Effect<void>
    readonly list: (
      customerId: CustomerId,
      filter: MessageFilter,
      page: PageRequest
    ) => Effect.Effect<Page<MessageRecord>>
  }
>() {}

/** One send to commit: the message, its charge, and what it creates on the way. */
export interface SendCommit {
  readonly record: MessageRecord
  /** The charge: a negative `message_charge` entry of the message's quote. */
  readonly charge: LedgerEntry
  /** A contact to create with the send (inserted, or the existing one with its number used). */
  readonly newContact?: Contact | undefined
  /** The idempotency key to record with the send's response. */
  readonly idempotency?: { readonly key: string; readonly requestHash: string } | undefined
}

/** What became of one send of a batch. */
export type SendOutcome =
  | { readonly _tag: "Committed"; readonly record: MessageRecord }
  | { readonly _tag: "InsufficientBalance"; readonly balance: Micros }
  | { readonly _tag: "KeyTaken" }

/**
 * The atomic write of sends. A batch is committed in one transaction with few statements: each send whose
 * idempotency key is free and whose charge the balance still covers (in batch order) is stored with its
 * debit and ledger entry, its message (`queued`), its dispatch job, its new contact and its idempotency
 * record; every other send stores nothing. Concurrent batches never overdraw a balance.
 */
export class Sends extends Context.Tag("@sent/core/Sends")<
  Sends,
  { readonly commit: (batch: ReadonlyArray<SendCommit>) => Effect.Effect<ReadonlyArray<SendOutcome>> }
>() {}

/** A stored idempotent response. */
export interface IdempotentResponse {
  readonly requestHash: string
  readonly message: Message
}

/** Idempotency keys of sends, scoped to the customer, kept at least 24 hours. */
export class IdempotencyKeys extends Context.Tag("@sent/core/IdempotencyKeys")<
  IdempotencyKeys,
  {
    readonly find: (customerId: CustomerId, key: string) => Effect.Effect<Option.Option<IdempotentResponse>>
    /** Records the response; `false` (nothing written) when the key is already taken. */
    readonly insert: (
      customerId: CustomerId,
      key: string,
      response: IdempotentResponse,
      at: Date
    ) => Effect.Effect<boolean>
  }
>() {}

/** Status reports that arrived before their message's provider id was known. */
export class HeldReports extends Context.Tag("@sent/core/HeldReports")<
  HeldReports,
  {
    /**
     * Serialises, until the current transaction ends, everyone holding or taking reports of these ids
     * (`pg_advisory_xact_lock` on PostgreSQL, taken in a fixed order; SQLite transactions are serial
     * already). Without it a report could be held just after the dispatcher took the held ones, and wait
     * forever.
     */
    readonly lock: (provider: string, providerMessageIds: ReadonlyArray<string>) => Effect.Effect<void>
    readonly hold: (inbound: ReadonlyArray<InboundReport>, at: Date) => Effect.Effect<void>
    /** Removes and returns every held report for the ids, by id, oldest first. */
    readonly take: (
      provider: string,
      providerMessageIds: ReadonlyArray<string>
    ) => Effect.Effect<ReadonlyMap<string, ReadonlyArray<InboundReport>>>
  }
>() {}

/** A claimed dispatch job. */
export interface DispatchJob {
  readonly id: string
  readonly messageId: MessageId
  /** How many times this job was claimed before (0 on the first claim). */
  readonly attempts: number
}

/**
 * The durable dispatch queue (transactional outbox): jobs are enqueued in the send's transaction,
 * claimed with a lease, and taken again by anyone once a lease expires.
 */
export class DispatchJobs extends Context.Tag("@sent/core/DispatchJobs")<
  DispatchJobs,
  {
    readonly enqueue: (messageId: MessageId, runAt: Date) => Effect.Effect<void>
    /** Claims up to `limit` due jobs for `leaseMillis`; each claim counts as an attempt. */
    readonly claim: (workerId: string, limit: number, leaseMillis: number, now: Date) => Effect.Effect<ReadonlyArray<DispatchJob>>
    /** Removes finished jobs. */
    readonly complete: (jobIds: ReadonlyArray<string>) => Effect.Effect<void>
    /** Gives the job back, due at `runAt`. */
    readonly reschedule: (jobId: string, runAt: Date, lastError: string) => Effect.Effect<void>
    /** Gives back every job the worker holds, due now (graceful shutdown). */
    readonly release: (workerId: string) => Effect.Effect<void>
    /** When the next job is due, if any (lets a worker sleep exactly as long as it can). */
    readonly nextRunAt: Effect.Effect<Option.Option<Date>>
  }
>() {}

/** An event to push to webhooks, as stored in the outbox. */
export interface StoredEvent {
  readonly id: EventId
  readonly customerId: CustomerId
  readonly type: EventType | "webhook.test" | "webhook.disabled"
  readonly messageId: MessageId | null
  /** The JSON body delivered, exactly as signed. */
  readonly payload: string
  readonly createdAt: Date
}

/** A delivery claimed for sending. */
export interface ClaimedDelivery {
  readonly id: DeliveryId
  readonly event: StoredEvent
  readonly endpoint: WebhookEndpoint
  /** Secrets that still sign besides the current one (during a rotation's grace period). */
  readonly previousSecrets: ReadonlyArray<string>
  /** How many attempts were made before this one. */
  readonly attempt: number
}

/** The outcome of one delivery attempt, for the log. */
export interface DeliveryAttempt {
  readonly at: Date
  readonly responseStatus?: number | undefined
  readonly latencyMs: number
  readonly error?: string | undefined
}

/** How an attempt settles its delivery: `succeeded`, `failed` (given up), or pending again at `retryAt`. */
export type DeliveryOutcome =
  | { readonly status: Exclude<DeliveryStatus, "pending"> }
  | { readonly status: "pending"; readonly retryAt: Date }

/** One finished attempt to log and settle. */
export interface RecordedAttempt {
  readonly id: DeliveryId
  readonly attempt: DeliveryAttempt
  readonly outcome: DeliveryOutcome
}

/** Webhook endpoints and the durable event outbox with its deliveries. */
export class Webhooks extends Context.Tag("@sent/core/Webhooks")<
  Webhooks,
  {
    readonly insert: (customerId: CustomerId, endpoint: WebhookEndpoint) => Effect.Effect<void>
    readonly find: (customerId: CustomerId, id: WebhookId) => Effect.Effect<Option.Option<WebhookEndpoint>>
    readonly list: (customerId: CustomerId, page: PageRequest) => Effect.Effect<Page<WebhookEndpoint>>
    readonly delete: (customerId: CustomerId, id: WebhookId) => Effect.Effect<boolean>
    /** Sets a new current secret; the old one keeps signing until `graceUntil`. */
    readonly rotateSecret: (
      customerId: CustomerId,
      id: WebhookId,
      secret: string,
      graceUntil: Date
    ) => Effect.Effect<Option.Option<WebhookEndpoint>>
    readonly setEnabled: (id: WebhookId, enabled: boolean) => Effect.Effect<void>
    /**
     * Stores an event and a pending delivery to every enabled endpoint of the customer subscribed to its
     * type, or only to `onlyTo`, and returns how many deliveries it queued. An event no endpoint wants is
     * not stored (0). Call it in the transaction of the change the event reports.
     */
    readonly emit: (event: StoredEvent, onlyTo?: WebhookId) => Effect.Effect<number>
    /** `emit` of many events to their subscribers, in a few statements; deliveries keep the events' order. */
    readonly emitMany: (events: ReadonlyArray<StoredEvent>) => Effect.Effect<number>
    /**
     * Claims due pending deliveries with a lease. A delivery is not due while an earlier delivery of the
     * same message to the same endpoint is still pending, so a message's events arrive in order.
     */
    readonly claim: (workerId: string, limit: number, leaseMillis: number, now: Date) => Effect.Effect<ReadonlyArray<ClaimedDelivery>>
    /** Logs an attempt and settles the delivery. */
    readonly record: (id: DeliveryId, attempt: DeliveryAttempt, outcome: DeliveryOutcome) => Effect.Effect<void>
    /**
     * Logs and settles many attempts (of distinct deliveries) at once, atomically and in a few statements,
     * logged in the order given; a busy dispatcher settles whatever finished while the last batch committed.
     */
    readonly recordMany: (attempts: ReadonlyArray<RecordedAttempt>) => Effect.Effect<void>
    readonly release: (workerId: string) => Effect.Effect<void>
    readonly deliveries: (customerId: CustomerId, id: WebhookId, page: PageRequest) => Effect.Effect<Page<Delivery>>
    /** Queues a new delivery of each of the endpoint's events created in `[since, until)`; returns how many. */
    readonly replay: (customerId: CustomerId, id: WebhookId, since: Date, until: Date) => Effect.Effect<number>
    /** Queues a new delivery of one event the endpoint was sent before; 0 when it never had that event. */
    readonly replayEvent: (customerId: CustomerId, id: WebhookId, eventId: EventId) => Effect.Effect<number>
    /** Consecutive failed deliveries of an endpoint, oldest first (for disabling after sustained failure). */
    readonly consecutiveFailures: (id: WebhookId) => Effect.Effect<{ readonly count: number; readonly since: Date | null }>
    /**
     * After a claim at `now`: the earliest time after `now` at which a delivery may become due (a retry's
     * time or a lease's end), if any, so an idle worker sleeps as long as it can. It may be early (a
     * delivery held back behind another), never late. Deliveries due at `now` are not counted: the claim
     * took them, or a worker holds them.
     */
    readonly nextRunAt: (now: Date) => Effect.Effect<Option.Option<Date>>
  }
>() {}

/** Every storage port, as one requirement. */
export type Storage =
  | Transactor
  | Customers
  | Ledger
  | Rates
  | Contacts
  | Templates
  | Messages
  | Sends
  | IdempotencyKeys
  | HeldReports
  | DispatchJobs
  | Webhooks
  | JobSignals

/** The durable queues a worker can wait on. */
export type Queue = "dispatch" | "webhooks"

/**
 * Wake-ups for workers: a producer signals after committing a job, a worker waits for a signal (or its
 * polling backstop) instead of busy polling. In process on SQLite; `pg_notify`/LISTEN across processes
 * on PostgreSQL.
 */
export class JobSignals extends Context.Tag("@sent/core/JobSignals")<
  JobSignals,
  {
    readonly signal: (queue: Queue) => Effect.Effect<void>
    /** Completes at the next signal of the queue after the call, or after `timeoutMillis`. */
    readonly wait: (queue: Queue, timeoutMillis: number) => Effect.Effect<void>
  }
>() {}
