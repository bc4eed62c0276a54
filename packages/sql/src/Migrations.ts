/**
 * Sent's own schema migrations, recorded in their own table (`sent_migrations`) so a host that runs
 * `@effect/sql` migrations of its own never collides with them. The same statements serve both dialects;
 * the few type names that differ come from `Dialect`.
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { RateCard } from "@sent/core"
import { Effect, Layer } from "effect"
import * as Dialect from "./Dialect.js"

/** The table that records which migrations ran. */
export const table = "sent_migrations"

const statements = (build: (sql: SqlClient.SqlClient, dialect: Dialect.Dialect) => ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (const statement of build(sql, Dialect.of(sql))) yield* sql.unsafe(statement)
  })

const schema = statements((_, { serialPrimaryKey: serial, uuid }) => [
  `CREATE TABLE customers (
    id ${uuid} PRIMARY KEY,
    name TEXT NOT NULL,
    balance BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
  )`,
  `CREATE TABLE api_keys (
    hash TEXT PRIMARY KEY,
    customer_id ${uuid} NOT NULL REFERENCES customers (id) ON DELETE CASCADE
  )`,
  `CREATE INDEX api_keys_customer ON api_keys (customer_id)`,
  `CREATE TABLE ledger_entries (
    id ${uuid} PRIMARY KEY,
    customer_id ${uuid} NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    amount BIGINT NOT NULL,
    reason TEXT NOT NULL,
    message_id ${uuid},
    created_at BIGINT NOT NULL
  )`,
  `CREATE INDEX ledger_entries_customer ON ledger_entries (customer_id, id)`,
  `CREATE TABLE rates (
    channel TEXT NOT NULL,
    country_code TEXT NOT NULL,
    price BIGINT NOT NULL,
    PRIMARY KEY (channel, country_code)
  )`,
  `CREATE TABLE contacts (
    id ${uuid} PRIMARY KEY,
    customer_id ${uuid} NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    phone_number TEXT NOT NULL,
    country_code TEXT NOT NULL,
    available_channels TEXT NOT NULL,
    name TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (customer_id, phone_number)
  )`,
  `CREATE INDEX contacts_customer ON contacts (customer_id, id)`,
  `CREATE TABLE templates (
    id ${uuid} PRIMARY KEY,
    customer_id ${uuid} NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    category TEXT NOT NULL,
    channels TEXT NOT NULL,
    variables TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE INDEX templates_customer ON templates (customer_id, id)`,
  // Contacts and templates may be deleted while their messages live on with the summaries they carry,
  // so messages keep no foreign key to them.
  `CREATE TABLE messages (
    id ${uuid} PRIMARY KEY,
    customer_id ${uuid} NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    contact_id ${uuid} NOT NULL,
    contact_phone_number TEXT NOT NULL,
    template_id ${uuid} NOT NULL,
    template_name TEXT NOT NULL,
    channel TEXT NOT NULL,
    message_body TEXT NOT NULL,
    status TEXT NOT NULL,
    status_history TEXT NOT NULL,
    channel_response TEXT,
    original_price BIGINT NOT NULL,
    corrected_price BIGINT,
    currency TEXT NOT NULL,
    error TEXT,
    fallback TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    country_code TEXT NOT NULL,
    national_number TEXT NOT NULL,
    segments INTEGER NOT NULL,
    template_category TEXT NOT NULL,
    template_parameters TEXT NOT NULL,
    template_channels TEXT NOT NULL,
    automatic INTEGER NOT NULL,
    provider TEXT,
    provider_message_id TEXT,
    charged BIGINT NOT NULL
  )`,
  `CREATE INDEX messages_customer ON messages (customer_id, id)`,
  `CREATE INDEX messages_customer_status ON messages (customer_id, status, id)`,
  `CREATE INDEX messages_customer_channel ON messages (customer_id, channel, id)`,
  `CREATE INDEX messages_customer_contact ON messages (customer_id, contact_id, id)`,
  `CREATE INDEX messages_provider ON messages (provider, provider_message_id)`,
  `CREATE TABLE idempotency_keys (
    customer_id ${uuid} NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (customer_id, key)
  )`,
  `CREATE TABLE held_reports (
    seq ${serial},
    provider TEXT NOT NULL,
    provider_message_id TEXT NOT NULL,
    report TEXT NOT NULL,
    held_at BIGINT NOT NULL
  )`,
  `CREATE INDEX held_reports_provider ON held_reports (provider, provider_message_id)`,
  `CREATE TABLE dispatch_jobs (
    id ${uuid} PRIMARY KEY,
    message_id ${uuid} NOT NULL,
    run_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT
  )`,
  `CREATE INDEX dispatch_jobs_run_at ON dispatch_jobs (run_at, id)`,
  `CREATE INDEX dispatch_jobs_locked_by ON dispatch_jobs (locked_by)`,
  `CREATE TABLE webhook_endpoints (
    id ${uuid} PRIMARY KEY,
    customer_id ${uuid} NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secrets TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at BIGINT NOT NULL
  )`,
  `CREATE INDEX webhook_endpoints_customer ON webhook_endpoints (customer_id, id)`,
  `CREATE TABLE webhook_events (
    id ${uuid} PRIMARY KEY,
    customer_id ${uuid} NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    message_id ${uuid},
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
  )`,
  `CREATE INDEX webhook_events_customer ON webhook_events (customer_id, created_at)`,
  // `seq` orders the deliveries of one message to one endpoint; `id` is the public DeliveryId.
  `CREATE TABLE webhook_deliveries (
    seq ${serial},
    id ${uuid} NOT NULL UNIQUE,
    event_id ${uuid} NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id ${uuid} NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id ${uuid},
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_run_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT
  )`,
  // Claims scan only the pending deliveries, in `seq` order, however long the settled history grows.
  `CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (seq) WHERE status = 'pending'`,
  `CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, message_id, seq)`,
  `CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id)`,
  `CREATE INDEX webhook_deliveries_locked_by ON webhook_deliveries (locked_by)`,
  `CREATE TABLE webhook_attempts (
    seq ${serial},
    delivery_id ${uuid} NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id ${uuid} NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    response_status INTEGER,
    latency_ms DOUBLE PRECISION NOT NULL,
    error TEXT,
    created_at BIGINT NOT NULL
  )`,
  `CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, seq)`,
  `CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id)`
])

// A fresh store prices every channel from the start.
const defaultRates = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  for (const rate of RateCard.defaultRates) {
    yield* sql`INSERT INTO rates (channel, country_code, price) VALUES (${rate.channel}, ${rate.countryCode}, ${rate.price})
      ON CONFLICT (channel, country_code) DO NOTHING`
  }
})

// An idle webhook worker asks when the next retry is due: one seek in this index instead of a scan of
// every pending delivery.
const webhookRetryIndex = statements(() => [
  `CREATE INDEX webhook_deliveries_next_run_at ON webhook_deliveries (next_run_at) WHERE status = 'pending'`
])

// Dispatch jobs live only until dispatched, so the few a worker releases at shutdown are found by a scan;
// the index on the lease holder cost every claim and every new job an index write.
const dropDispatchLeaseIndex = statements(() => [`DROP INDEX dispatch_jobs_locked_by`])

// A claim now moves a job's run_at to the end of its lease (DispatchJobsRepo); jobs leased by workers of
// the previous version get the same shape, so none becomes due before its lease ends.
const leaseInRunAt = statements(() => [
  `UPDATE dispatch_jobs SET run_at = locked_until WHERE locked_until IS NOT NULL AND locked_until > run_at`
])

/** Every migration by key (`0001_name`: `Migrator.fromRecord` skips keys of any other shape). */
export const migrations: Record<string, Effect.Effect<void, SqlError, SqlClient.SqlClient>> = {
  "0001_schema": schema,
  "0002_default_rates": defaultRates,
  "0003_webhook_retry_index": webhookRetryIndex,
  "0004_drop_dispatch_lease_index": dropDispatchLeaseIndex,
  "0005_lease_in_run_at": leaseInRunAt
}

const migrator = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table })

/**
 * Runs the migrations not run yet, in one transaction; returns the ones it ran. Processes that start
 * together against a fresh PostgreSQL database take turns: the transaction holds an advisory lock, and the
 * migrations table exists before the migrator checks for it (PostgreSQL aborts a transaction whose
 * statement fails, so the migrator's own "create it if the check fails" cannot run inside one).
 */
export const run: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  Migrator.MigrationError | SqlError,
  SqlClient.SqlClient
> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const dialect = Dialect.of(sql)
  return yield* sql.withTransaction(
    Effect.gen(function*() {
      yield* dialect.transactionLock(table)
      yield* sql.onDialectOrElse({
        pg: () =>
          sql`CREATE TABLE IF NOT EXISTS ${sql(table)} (
            migration_id integer PRIMARY KEY,
            created_at timestamp with time zone NOT NULL DEFAULT now(),
            name text NOT NULL
          )`,
        orElse: () => Effect.void
      })
      return yield* migrator
    })
  )
})

/** Migrates the store when the layer is built. */
export const layer: Layer.Layer<never, Migrator.MigrationError | SqlError, SqlClient.SqlClient> = Layer.effectDiscard(run)
