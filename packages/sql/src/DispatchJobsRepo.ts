/**
 * The durable dispatch queue, over `SqlClient`. A job is due when its `run_at` has passed. A claim leases
 * due jobs in one statement (see `Dialect.claim`) and moves their `run_at` to the end of the lease, so a
 * leased job is due again exactly when its lease expires, and finding due jobs is one range scan of the
 * `(run_at, id)` index that never steps over jobs in flight.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Ids, Storage } from "@sent/core"
import { Array, Clock, Effect, Layer, Option } from "effect"
import * as Dialect from "./Dialect.js"
import { call, chunkedWrite, date, int, millis } from "./internal/Rows.js"

/** The `DispatchJobs` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const dialect = Dialect.of(sql)

  return Storage.DispatchJobs.of({
    enqueue: (messageId, runAt) =>
      call(
        "DispatchJobs.enqueue",
        Effect.flatMap(
          Clock.currentTimeMillis,
          (now) =>
            sql`INSERT INTO dispatch_jobs (id, message_id, run_at, attempts)
              VALUES (${Ids.uuidv7(now)}, ${messageId}, ${millis(runAt)}, 0)`
        ).pipe(Effect.asVoid)
      ),
    claim: (workerId, limit, leaseMillis, now) =>
      call(
        "DispatchJobs.claim",
        Effect.map(
          dialect.claim<{ id: string; message_id: string; attempts: number | string }>({
            table: "dispatch_jobs",
            alias: "j",
            key: "id",
            due: sql`SELECT j.id FROM dispatch_jobs j WHERE j.run_at <= ${millis(now)}
              ORDER BY j.run_at, j.id LIMIT ${limit}`,
            set: sql`locked_by = ${workerId}, locked_until = ${millis(now) + leaseMillis},
              run_at = ${millis(now) + leaseMillis}, attempts = attempts + 1`,
            returning: sql`id, message_id, attempts`
          }),
          (rows) =>
            rows.map((row): Storage.DispatchJob => ({
              id: row.id,
              messageId: row.message_id as Ids.MessageId,
              attempts: int(row.attempts) - 1
            }))
        )
      ),
    complete: (jobIds) =>
      call(
        "DispatchJobs.complete",
        chunkedWrite(jobIds, 1, (chunk) => sql`DELETE FROM dispatch_jobs WHERE ${sql.in("id", chunk)}`)
      ),
    reschedule: (jobId, runAt, lastError) =>
      call(
        "DispatchJobs.reschedule",
        sql`UPDATE dispatch_jobs SET run_at = ${millis(runAt)}, last_error = ${lastError}, locked_by = NULL,
          locked_until = NULL WHERE id = ${jobId}`.pipe(Effect.asVoid)
      ),
    // Given back jobs were due before they were claimed: they are due at once, ahead of the others.
    release: (workerId) =>
      call(
        "DispatchJobs.release",
        sql`UPDATE dispatch_jobs SET locked_by = NULL, locked_until = NULL, run_at = 0 WHERE locked_by = ${workerId}`
          .pipe(Effect.asVoid)
      ),
    nextRunAt: call(
      "DispatchJobs.nextRunAt",
      Effect.map(
        sql<{ next: number | string | null }>`SELECT MIN(run_at) AS next FROM dispatch_jobs`,
        (rows) => Option.map(Option.flatMapNullable(Array.head(rows), (row) => row.next), date)
      )
    )
  })
})

/** The `DispatchJobs` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.DispatchJobs, make)
