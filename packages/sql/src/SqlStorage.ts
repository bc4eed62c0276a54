/**
 * Every storage port except `JobSignals` (which depends on the dialect), implemented once over
 * `SqlClient`. `Sqlite.layer` and `Postgres.layer` add the client, the migrations and the signals.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Storage } from "@sent/core"
import { Effect, Layer } from "effect"
import * as ContactsRepo from "./ContactsRepo.js"
import * as CustomersRepo from "./CustomersRepo.js"
import * as DispatchJobsRepo from "./DispatchJobsRepo.js"
import * as HeldReportsRepo from "./HeldReportsRepo.js"
import * as IdempotencyKeysRepo from "./IdempotencyKeysRepo.js"
import * as LedgerRepo from "./LedgerRepo.js"
import * as MessagesRepo from "./MessagesRepo.js"
import * as RatesRepo from "./RatesRepo.js"
import * as SendsRepo from "./SendsRepo.js"
import * as TemplatesRepo from "./TemplatesRepo.js"
import * as WebhooksRepo from "./WebhooksRepo.js"

/** The ports `layer` provides. */
export type Ports = Exclude<Storage.Storage, Storage.JobSignals>

// Marks the caller's own failures, so that only the transaction's SQL errors become defects.
class CallerFailure<E> {
  constructor(readonly error: E) {}
}

/** `Transactor` as `SqlClient.withTransaction`: nested calls become savepoints. */
export const transactor: Layer.Layer<Storage.Transactor, never, SqlClient.SqlClient> = Layer.effect(
  Storage.Transactor,
  Effect.map(SqlClient.SqlClient, (sql) =>
    Storage.Transactor.of({
      withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) =>
        sql.withTransaction(Effect.mapError(self, (error) => new CallerFailure(error))).pipe(
          Effect.catchAll((failure: CallerFailure<E> | SqlError) =>
            failure instanceof CallerFailure ? Effect.fail(failure.error) : Effect.die(failure)
          )
        )
    }))
)

/** Every port but `JobSignals`, over the `SqlClient` given (migrated by `Migrations.run`). */
export const layer: Layer.Layer<Ports, never, SqlClient.SqlClient> = Layer.provideMerge(
  SendsRepo.layer,
  Layer.mergeAll(
  transactor,
  CustomersRepo.layer,
  LedgerRepo.layer,
  RatesRepo.layer,
  ContactsRepo.layer,
  TemplatesRepo.layer,
  MessagesRepo.layer,
  IdempotencyKeysRepo.layer,
  HeldReportsRepo.layer,
  DispatchJobsRepo.layer,
  WebhooksRepo.layer
  )
)
