/**
 * Webhook endpoints and the durable event outbox, over `SqlClient`.
 *
 * `emit` stores an event and one pending delivery per receiving endpoint in the caller's transaction.
 * Deliveries carry a serial `seq`; a claim never takes a delivery while an earlier one (by `seq`) of the
 * same message to the same endpoint is still pending, so one message's events arrive in order. Every
 * attempt is logged in `webhook_attempts`, which is the delivery log the API shows.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Statement from "@effect/sql/Statement"
import type { Webhook } from "@sent/core"
import { Ids, Storage } from "@sent/core"
import { Array, Clock, Effect, Layer, Option } from "effect"
import * as Dialect from "./Dialect.js"
import * as Page from "./internal/Page.js"
import { call, chunked, chunkedWrite, date, flag, int, intOrNull, isSet, millis } from "./internal/Rows.js"

/** A secret replaced by a rotation, still signing until `graceUntil` (epoch milliseconds). */
interface PreviousSecret {
  readonly secret: string
  readonly graceUntil: number
}

interface EndpointRow {
  readonly id: string
  readonly url: string
  readonly event_types: string
  readonly secret: string
  readonly previous_secrets: string
  readonly enabled: number | string
  readonly created_at: number | string
}

interface AttemptRow {
  readonly seq: number | string
  readonly delivery_id: string
  readonly event_id: string
  readonly message_id: string | null
  readonly attempt: number | string
  readonly status: Webhook.DeliveryStatus
  readonly response_status: number | string | null
  readonly latency_ms: number | string
  readonly error: string | null
  readonly created_at: number | string
}

/** A claimed delivery with its event's columns (renamed where they clash) and its endpoint's. */
interface ClaimedRow extends EndpointRow {
  readonly seq: number | string
  readonly delivery_id: string
  readonly attempts: number | string
  readonly event_id: string
  readonly customer_id: string
  readonly type: Storage.StoredEvent["type"]
  readonly message_id: string | null
  readonly payload: string
  readonly event_created_at: number | string
}

const toEndpoint = (row: EndpointRow): Webhook.WebhookEndpoint => ({
  id: row.id as Ids.WebhookId,
  url: row.url,
  eventTypes: JSON.parse(row.event_types) as ReadonlyArray<Webhook.EventType>,
  secret: row.secret,
  enabled: isSet(row.enabled),
  createdAt: date(row.created_at)
})

const previousSecrets = (row: EndpointRow): ReadonlyArray<PreviousSecret> =>
  JSON.parse(row.previous_secrets) as ReadonlyArray<PreviousSecret>

/** A claimed row's event, read straight from its columns (no copy of the row). */
const toEvent = (row: ClaimedRow): Storage.StoredEvent => ({
  id: row.event_id as Ids.EventId,
  customerId: row.customer_id as Ids.CustomerId,
  type: row.type,
  messageId: row.message_id as Ids.MessageId | null,
  payload: row.payload,
  createdAt: date(row.event_created_at)
})

const toDelivery = (row: AttemptRow): Webhook.Delivery => {
  const responseStatus = intOrNull(row.response_status)
  return {
    id: row.delivery_id as Ids.DeliveryId,
    eventId: row.event_id as Ids.EventId,
    ...(row.message_id !== null ? { messageId: row.message_id as Ids.MessageId } : {}),
    attempt: int(row.attempt),
    status: row.status,
    ...(responseStatus !== null ? { responseStatus } : {}),
    latencyMs: Number(row.latency_ms),
    ...(row.error !== null ? { error: row.error } : {}),
    createdAt: date(row.created_at)
  }
}

/** The `Webhooks` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const dialect = Dialect.of(sql)
  const endpointColumns = sql.literal("id, url, event_types, secret, previous_secrets, enabled, created_at")

  const findRow = (customerId: Ids.CustomerId, id: Ids.WebhookId) =>
    Effect.map(
      sql<EndpointRow>`SELECT ${endpointColumns} FROM webhook_endpoints WHERE customer_id = ${customerId} AND id = ${id}`,
      Array.head
    )

  /** Queues one pending delivery of each event to an endpoint, due at its `runAt`, in the order given. */
  const insertDeliveries = (
    rows: ReadonlyArray<{
      readonly eventId: string
      readonly endpointId: string
      readonly messageId: string | null
      readonly runAt: number
    }>
  ): Effect.Effect<void, SqlError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      chunkedWrite(rows, 7, (chunk) =>
        sql`INSERT INTO webhook_deliveries ${
          sql.insert(chunk.map((row) => ({
            id: Ids.uuidv7(now),
            event_id: row.eventId,
            endpoint_id: row.endpointId,
            message_id: row.messageId,
            status: "pending",
            attempts: 0,
            next_run_at: row.runAt
          })))
        }`))

  /**
   * Stores events, each with a pending delivery to each of its endpoints (deliveries in the order given),
   * in one transaction; returns how many deliveries it queued. An event no endpoint wants is not stored:
   * it could never be delivered, nor replayed (replay re-delivers what an endpoint had), and most customers
   * of a busy store have no endpoints at all.
   */
  const store = (
    receiving: ReadonlyArray<{ readonly event: Storage.StoredEvent; readonly endpointIds: ReadonlyArray<string> }>
  ): Effect.Effect<number, SqlError> => {
    const wanted = receiving.filter(({ endpointIds }) => endpointIds.length > 0)
    if (wanted.length === 0) return Effect.succeed(0)
    const deliveries = wanted.flatMap(({ endpointIds, event }) =>
      endpointIds.map((endpointId) => ({ eventId: event.id, endpointId, messageId: event.messageId, runAt: millis(event.createdAt) }))
    )
    return sql.withTransaction(Effect.zipRight(
      chunkedWrite(wanted, 6, (chunk) =>
        sql`INSERT INTO webhook_events ${
          sql.insert(chunk.map(({ event }) => ({
            id: event.id,
            customer_id: event.customerId,
            type: event.type,
            message_id: event.messageId,
            payload: event.payload,
            created_at: millis(event.createdAt)
          })))
        }`),
      insertDeliveries(deliveries)
    )).pipe(Effect.as(deliveries.length))
  }

  /** Stores events for the enabled endpoints of their customers that subscribe to their types. */
  const toSubscribers = (events: ReadonlyArray<Storage.StoredEvent>): Effect.Effect<number, SqlError> =>
    Effect.gen(function*() {
      const customerIds = [...new Set(events.map((event) => event.customerId))]
      const subscribers = new Map<string, Array<{ readonly id: string; readonly types: ReadonlyArray<string> }>>()
      for (
        const row of yield* chunked(customerIds, 1, (chunk) =>
          sql<{ id: string; customer_id: string; event_types: string }>`SELECT id, customer_id, event_types
            FROM webhook_endpoints WHERE ${sql.in("customer_id", chunk)} AND enabled = 1 ORDER BY id`)
      ) {
        const endpoints = subscribers.get(row.customer_id) ?? []
        endpoints.push({ id: row.id, types: JSON.parse(row.event_types) as ReadonlyArray<string> })
        subscribers.set(row.customer_id, endpoints)
      }
      return yield* store(events.map((event) => ({
        event,
        endpointIds: (subscribers.get(event.customerId) ?? [])
          .filter((endpoint) => endpoint.types.includes(event.type))
          .map((endpoint) => endpoint.id)
      })))
    })

  /**
   * Queues a new delivery, due now, of each event that `which` selects (over `webhook_events ev`) among
   * those the endpoint was sent, in the order they happened; returns how many.
   */
  const redeliver = (endpointId: Ids.WebhookId, which: Statement.Fragment) =>
    sql.withTransaction(Effect.gen(function*() {
      const events = yield* sql<{ id: string; message_id: string | null }>`SELECT ev.id, ev.message_id
        FROM webhook_events ev
        WHERE ${which}
          AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = ev.id AND d.endpoint_id = ${endpointId})
        ORDER BY ev.created_at, ev.id`
      const runAt = yield* Clock.currentTimeMillis
      yield* insertDeliveries(events.map((row) => ({ eventId: row.id, endpointId, messageId: row.message_id, runAt })))
      return events.length
    }))

  // Pending deliveries that an earlier pending delivery of the same message to the same endpoint holds back.
  const heldBack = sql`EXISTS (SELECT 1 FROM webhook_deliveries p
    WHERE p.endpoint_id = d.endpoint_id AND p.message_id = d.message_id AND p.status = 'pending' AND p.seq < d.seq)`

  /**
   * Settles the deliveries and logs their attempts in one transaction of two statements, whatever their
   * number: one UPDATE (the outcomes chosen per row with CASE) and one multi-row INSERT.
   */
  const settle = (attempts: ReadonlyArray<Storage.RecordedAttempt>): Effect.Effect<void, SqlError> => {
    if (!Array.isNonEmptyReadonlyArray(attempts)) return Effect.void
    const [first] = attempts
    const status = attempts.every((a) => a.outcome.status === first.outcome.status)
      ? sql`${first.outcome.status}`
      : sql`CASE id ${sql.join(" ", false)(attempts.map((a) => sql`WHEN ${a.id} THEN ${a.outcome.status}`))} END`
    const retries = attempts.flatMap((a) => a.outcome.status === "pending" ? [sql`WHEN ${a.id} THEN ${millis(a.outcome.retryAt)}`] : [])
    const nextRunAt = retries.length === 0
      ? sql`next_run_at`
      : sql`CASE id ${sql.join(" ", false)(retries)} ELSE next_run_at END`
    return sql.withTransaction(
      Effect.gen(function*() {
        const settled = yield* sql<{ id: string; endpoint_id: string; attempts: number | string }>`UPDATE webhook_deliveries
          SET attempts = attempts + 1, status = ${status}, next_run_at = ${nextRunAt}, locked_by = NULL, locked_until = NULL
          WHERE id IN ${sql.in(attempts.map((a) => a.id))} RETURNING id, endpoint_id, attempts`
        const byId = new Map(settled.map((row) => [String(row.id), row]))
        // A delivery whose endpoint was deleted while its attempt was in flight has no log left to write to.
        const logged = attempts.flatMap(({ attempt, id, outcome }) => {
          const row = byId.get(id)
          return row === undefined ? [] : [{
            delivery_id: id,
            endpoint_id: row.endpoint_id,
            attempt: int(row.attempts),
            status: outcome.status,
            response_status: attempt.responseStatus ?? null,
            latency_ms: attempt.latencyMs,
            error: attempt.error ?? null,
            created_at: millis(attempt.at)
          }]
        })
        if (Array.isNonEmptyReadonlyArray(logged)) yield* sql`INSERT INTO webhook_attempts ${sql.insert(logged)}`
      })
    )
  }

  return Storage.Webhooks.of({
    insert: (customerId, endpoint) =>
      call(
        "Webhooks.insert",
        sql`INSERT INTO webhook_endpoints
            (id, customer_id, url, event_types, secret, previous_secrets, enabled, created_at)
          VALUES (${endpoint.id}, ${customerId}, ${endpoint.url}, ${JSON.stringify(endpoint.eventTypes)},
            ${endpoint.secret}, '[]', ${flag(endpoint.enabled)}, ${millis(endpoint.createdAt)})`.pipe(Effect.asVoid)
      ),
    find: (customerId, id) => call("Webhooks.find", Effect.map(findRow(customerId, id), Option.map(toEndpoint))),
    list: (customerId, page) =>
      call(
        "Webhooks.list",
        Page.paginate(page, Page.isUuid, (after) =>
          Effect.map(
            sql<EndpointRow>`SELECT ${endpointColumns} FROM webhook_endpoints
              WHERE customer_id = ${customerId} ${after === null ? sql`` : sql`AND id < ${after}`}
              ORDER BY id DESC LIMIT ${Page.fetchSize(page)}`,
            (rows) => Page.toPage(rows, page, (row) => row.id, toEndpoint)
          ))
      ),
    // Its deliveries and their log go with it (ON DELETE CASCADE); the events stay with the customer.
    delete: (customerId, id) =>
      call(
        "Webhooks.delete",
        Effect.map(
          sql`DELETE FROM webhook_endpoints WHERE customer_id = ${customerId} AND id = ${id} RETURNING id`,
          Array.isNonEmptyReadonlyArray
        )
      ),
    rotateSecret: (customerId, id, secret, graceUntil) =>
      call(
        "Webhooks.rotateSecret",
        sql.withTransaction(
          Effect.gen(function*() {
            const found = yield* Effect.map(
              sql<EndpointRow>`SELECT ${endpointColumns} FROM webhook_endpoints
                WHERE customer_id = ${customerId} AND id = ${id}${dialect.forUpdate}`,
              Array.head
            )
            if (Option.isNone(found)) return Option.none()
            const now = yield* Clock.currentTimeMillis
            // Secrets whose grace has run out are dropped, so the list never grows past the live ones.
            const previous: ReadonlyArray<PreviousSecret> = [
              ...previousSecrets(found.value).filter((old) => old.graceUntil > now),
              { secret: found.value.secret, graceUntil: millis(graceUntil) }
            ]
            yield* sql`UPDATE webhook_endpoints SET secret = ${secret}, previous_secrets = ${JSON.stringify(previous)}
              WHERE id = ${id}`
            return Option.some({ ...toEndpoint(found.value), secret })
          })
        )
      ),
    setEnabled: (id, enabled) =>
      call(
        "Webhooks.setEnabled",
        sql`UPDATE webhook_endpoints SET enabled = ${flag(enabled)} WHERE id = ${id}`.pipe(Effect.asVoid)
      ),
    // `onlyTo` names the one receiver whatever it subscribes to (tests and notices about the endpoint).
    emit: (event, onlyTo) =>
      onlyTo === undefined
        ? call("Webhooks.emit", toSubscribers([event]))
        : call(
          "Webhooks.emit",
          Effect.flatMap(
            sql<{ id: string }>`SELECT id FROM webhook_endpoints WHERE customer_id = ${event.customerId} AND id = ${onlyTo}`,
            (rows) => store(rows.length === 0 ? [] : [{ event, endpointIds: [onlyTo] }])
          )
        ),
    emitMany: (events) => call("Webhooks.emitMany", toSubscribers(events)),
    claim: (workerId, limit, leaseMillis, now) =>
      call(
        "Webhooks.claim",
        Effect.gen(function*() {
          const leased = yield* dialect.claim<{ seq: number | string }>({
            table: "webhook_deliveries",
            alias: "d",
            key: "seq",
            due: sql`SELECT d.seq FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
              WHERE d.status = 'pending' AND d.next_run_at <= ${millis(now)}
                AND (d.locked_until IS NULL OR d.locked_until <= ${millis(now)})
                AND e.enabled = 1 AND NOT ${heldBack}
              ORDER BY d.seq LIMIT ${limit}`,
            set: sql`locked_by = ${workerId}, locked_until = ${millis(now) + leaseMillis}`,
            returning: sql`seq`
          })
          if (!Array.isNonEmptyReadonlyArray(leased)) return []
          // One read of each delivery's event and endpoint; an endpoint deleted since the claim took its
          // deliveries with it, so they are not among the rows.
          const rows = yield* sql<ClaimedRow>`SELECT d.seq, d.id AS delivery_id, d.attempts,
              ev.id AS event_id, ev.customer_id, ev.type, ev.message_id, ev.payload, ev.created_at AS event_created_at,
              e.id, e.url, e.event_types, e.secret, e.previous_secrets, e.enabled, e.created_at
            FROM webhook_deliveries d
              JOIN webhook_events ev ON ev.id = d.event_id
              JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.seq IN ${sql.in(leased.map((row) => row.seq))}
            ORDER BY d.seq`
          // A batch mostly goes to a few endpoints: each is decoded once.
          const endpoints = new Map<string, Pick<Storage.ClaimedDelivery, "endpoint" | "previousSecrets">>()
          const endpointOf = (row: ClaimedRow) => {
            const known = endpoints.get(row.id)
            if (known !== undefined) return known
            const decoded = {
              endpoint: toEndpoint(row),
              previousSecrets: previousSecrets(row).filter((old) => old.graceUntil > millis(now)).map((old) => old.secret)
            }
            endpoints.set(row.id, decoded)
            return decoded
          }
          return rows.map((row): Storage.ClaimedDelivery => {
            const { endpoint, previousSecrets } = endpointOf(row)
            return {
              id: row.delivery_id as Ids.DeliveryId,
              event: toEvent(row),
              endpoint,
              previousSecrets,
              attempt: int(row.attempts)
            }
          })
        })
      ),
    record: (id, attempt, outcome) => call("Webhooks.record", settle([{ id, attempt, outcome }])),
    recordMany: (attempts) => call("Webhooks.recordMany", settle(attempts)),
    release: (workerId) =>
      call(
        "Webhooks.release",
        sql`UPDATE webhook_deliveries SET locked_by = NULL, locked_until = NULL WHERE locked_by = ${workerId}`.pipe(
          Effect.asVoid
        )
      ),
    deliveries: (customerId, id, page) =>
      call(
        "Webhooks.deliveries",
        Page.paginate(page, Page.isSerial, (after) =>
          Effect.map(
            sql<AttemptRow>`SELECT a.seq, a.delivery_id, d.event_id, d.message_id, a.attempt, a.status,
                a.response_status, a.latency_ms, a.error, a.created_at
              FROM webhook_attempts a
                JOIN webhook_endpoints e ON e.id = a.endpoint_id
                JOIN webhook_deliveries d ON d.id = a.delivery_id
              WHERE a.endpoint_id = ${id} AND e.customer_id = ${customerId}
                ${after === null ? sql`` : sql`AND a.seq < ${Number(after)}`}
              ORDER BY a.seq DESC LIMIT ${Page.fetchSize(page)}`,
            (rows) => Page.toPage(rows, page, (row) => String(row.seq), toDelivery)
          ))
      ),
    // "The endpoint's events" are the events it was sent; each gets one more pending delivery, in the
    // order the events happened, so a message's events still arrive in order.
    replay: (customerId, id, since, until) =>
      call(
        "Webhooks.replay",
        redeliver(id, sql`ev.customer_id = ${customerId} AND ev.created_at >= ${millis(since)}
          AND ev.created_at < ${millis(until)}`)
      ),
    replayEvent: (customerId, id, eventId) =>
      call("Webhooks.replayEvent", redeliver(id, sql`ev.id = ${eventId} AND ev.customer_id = ${customerId}`)),
    consecutiveFailures: (id) =>
      call(
        "Webhooks.consecutiveFailures",
        Effect.map(
          sql<{ count: number | string; since: number | string | null }>`SELECT COUNT(*) AS count, MIN(created_at) AS since
            FROM webhook_attempts
            WHERE endpoint_id = ${id} AND status <> 'succeeded' AND seq > COALESCE(
              (SELECT MAX(seq) FROM webhook_attempts WHERE endpoint_id = ${id} AND status = 'succeeded'), 0)`,
          (rows) => {
            const row = rows[0]
            return row === undefined || row.since === null
              ? { count: 0, since: null }
              : { count: int(row.count), since: date(row.since) }
          }
        )
      ),
    // Two index seeks, however many deliveries are pending: a delivery due at `now` but not claimed is
    // held back (its holder is counted here) or was emitted after the claim (which signals the worker).
    nextRunAt: (now) =>
      call(
        "Webhooks.nextRunAt",
        Effect.map(
          sql<{ next: number | string | null }>`SELECT MIN(next) AS next FROM (
              SELECT * FROM (SELECT d.next_run_at AS next
                FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.status = 'pending' AND d.next_run_at > ${millis(now)} AND e.enabled = 1
                ORDER BY d.next_run_at LIMIT 1) retry
              UNION ALL
              SELECT * FROM (SELECT d.locked_until AS next
                FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.locked_by IS NOT NULL AND d.status = 'pending' AND d.locked_until > ${millis(now)}
                  AND e.enabled = 1
                ORDER BY d.locked_until LIMIT 1) lease
            ) soonest`,
          (rows) => Option.map(Option.flatMapNullable(Array.head(rows), (row) => row.next), date)
        )
      )
  })
})

/** The `Webhooks` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.Webhooks, make)
