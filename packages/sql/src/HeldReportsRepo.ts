/** Status reports held until their message's provider id is known, over `SqlClient`. */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Provider } from "@sent/core"
import { MessageStatus, Money, Storage } from "@sent/core"
import { Effect, Layer, Schema } from "effect"
import * as Dialect from "./Dialect.js"
import { call, int, millis } from "./internal/Rows.js"

/** The stored form of a held report (what it says; the provider and its id are columns). */
const HeldJson = Schema.parseJson(
  Schema.Struct({
    report: Schema.Struct({
      status: MessageStatus.ReportedStatus,
      timestamp: Schema.Date,
      channelResponse: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
      error: Schema.optional(MessageStatus.MessageError)
    }),
    price: Schema.optional(Money.Micros)
  })
)
const encodeHeld = Schema.encodeSync(HeldJson)
const decodeHeld = Schema.decodeSync(HeldJson)

/** The `HeldReports` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const dialect = Dialect.of(sql)

  return Storage.HeldReports.of({
    lock: (provider, providerMessageId) =>
      call("HeldReports.lock", dialect.transactionLock(`held_reports:${provider}:${providerMessageId}`)).pipe(
        Effect.asVoid
      ),
    hold: (inbound, at) =>
      call(
        "HeldReports.hold",
        sql`INSERT INTO held_reports (provider, provider_message_id, report, held_at)
          VALUES (${inbound.provider}, ${inbound.providerMessageId},
            ${encodeHeld({ report: inbound.report, price: inbound.price })}, ${millis(at)})`.pipe(Effect.asVoid)
      ),
    // DELETE … RETURNING hands back no particular order, so the serial key restores arrival order.
    take: (provider, providerMessageId) =>
      call(
        "HeldReports.take",
        Effect.map(
          sql<{ seq: number | string; report: string }>`DELETE FROM held_reports
            WHERE provider = ${provider} AND provider_message_id = ${providerMessageId} RETURNING seq, report`,
          (rows) =>
            rows
              .map((row) => ({ seq: int(row.seq), held: decodeHeld(row.report) }))
              .sort((a, b) => a.seq - b.seq)
              .map(({ held }): Provider.InboundReport => ({ provider, providerMessageId, ...held }))
        )
      )
  })
})

/** The `HeldReports` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.HeldReports, make)
