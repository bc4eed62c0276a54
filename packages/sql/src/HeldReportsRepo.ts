/** Status reports held until their message's provider id is known, over `SqlClient`. */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Provider } from "@sent/core"
import { MessageStatus, Money, Storage } from "@sent/core"
import { Array, Effect, Layer, Schema } from "effect"
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
    // Sorted, so transactions locking overlapping sets of ids never wait on each other in a cycle.
    lock: (provider, providerMessageIds) =>
      call(
        "HeldReports.lock",
        Effect.forEach(
          [...new Set(providerMessageIds)].sort(),
          (providerMessageId) => dialect.transactionLock(`held_reports:${provider}:${providerMessageId}`),
          { discard: true }
        )
      ),
    hold: (inbound, at) =>
      call(
        "HeldReports.hold",
        Array.isNonEmptyReadonlyArray(inbound)
          ? sql`INSERT INTO held_reports ${
            sql.insert(inbound.map((report) => ({
              provider: report.provider,
              provider_message_id: report.providerMessageId,
              report: encodeHeld({ report: report.report, price: report.price }),
              held_at: millis(at)
            })))
          }`.pipe(Effect.asVoid)
          : Effect.void
      ),
    // DELETE … RETURNING hands back no particular order, so the serial key restores arrival order.
    take: (provider, providerMessageIds) =>
      call(
        "HeldReports.take",
        Array.isNonEmptyReadonlyArray(providerMessageIds)
          ? Effect.map(
            sql<{ seq: number | string; provider_message_id: string; report: string }>`DELETE FROM held_reports
              WHERE provider = ${provider} AND ${sql.in("provider_message_id", providerMessageIds)}
              RETURNING seq, provider_message_id, report`,
            (rows) => {
              const taken = new Map<string, Array<Provider.InboundReport>>()
              for (const row of [...rows].sort((a, b) => int(a.seq) - int(b.seq))) {
                const held = decodeHeld(row.report)
                const reports = taken.get(row.provider_message_id) ?? []
                reports.push({ provider, providerMessageId: row.provider_message_id, ...held })
                taken.set(row.provider_message_id, reports)
              }
              return taken as ReadonlyMap<string, ReadonlyArray<Provider.InboundReport>>
            }
          )
          : Effect.succeed(new Map<string, ReadonlyArray<Provider.InboundReport>>())
      )
  })
})

/** The `HeldReports` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.HeldReports, make)
