/** Status reports held until their message's provider id is known, over `SqlClient`. */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Provider } from "@sent/core"
import { type MessageStatus, Money, Storage } from "@sent/core"
import { Effect, Layer } from "effect"
import * as Dialect from "./Dialect.js"
import { call, chunked, chunkedWrite, int, millis } from "./internal/Rows.js"

// The stored form of a held report: what it says, as JSON (the provider and its id are columns). Written
// only by this repository, so it is read back without validating it again; dates are ISO strings.
interface HeldJson {
  readonly report: Omit<MessageStatus.StatusReport, "timestamp"> & { readonly timestamp: string }
  readonly price?: number
}
const encodeHeld = (inbound: Provider.InboundReport): string =>
  JSON.stringify({ report: inbound.report, price: inbound.price })
const decodeHeld = (json: string): Pick<Provider.InboundReport, "report" | "price"> => {
  const held = JSON.parse(json) as HeldJson
  const report = { ...held.report, timestamp: new Date(held.report.timestamp) }
  return held.price === undefined ? { report } : { report, price: Money.micros(held.price) }
}

/** The `HeldReports` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const dialect = Dialect.of(sql)

  return Storage.HeldReports.of({
    lock: (provider, providerMessageIds) =>
      call(
        "HeldReports.lock",
        dialect.transactionLocks(providerMessageIds.map((id) => `held_reports:${provider}:${id}`))
      ),
    hold: (inbound, at) =>
      call(
        "HeldReports.hold",
        chunkedWrite(inbound, 4, (chunk) =>
          sql`INSERT INTO held_reports ${
            sql.insert(chunk.map((report) => ({
              provider: report.provider,
              provider_message_id: report.providerMessageId,
              report: encodeHeld(report),
              held_at: millis(at)
            })))
          }`)
      ),
    // DELETE … RETURNING hands back no particular order, so the serial key restores arrival order.
    take: (provider, providerMessageIds) =>
      call(
        "HeldReports.take",
        Effect.map(
          chunked(providerMessageIds, 1, (chunk) =>
            sql<{ seq: number | string; provider_message_id: string; report: string }>`DELETE FROM held_reports
              WHERE provider = ${provider} AND ${sql.in("provider_message_id", chunk)}
              RETURNING seq, provider_message_id, report`),
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
      )
  })
})

/** The `HeldReports` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.HeldReports, make)
