/** The rate card, over `SqlClient`. */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Channel } from "@sent/core"
import { Money, RateCard, Storage } from "@sent/core"
import { Effect, Layer } from "effect"
import * as Cache from "./internal/Cache.js"
import { call, int } from "./internal/Rows.js"

interface RateRow {
  readonly channel: Channel.Channel
  readonly country_code: string
  readonly price: number | string
}

const toRate = (row: RateRow): RateCard.Rate => ({
  channel: row.channel,
  countryCode: row.country_code,
  price: Money.micros(int(row.price))
})

/** The `Rates` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const all = Effect.map(
    sql<RateRow>`SELECT channel, country_code, price FROM rates ORDER BY channel, country_code`,
    (rows) => rows.map(toRate)
  )
  // Every send quotes from the card; an operator changes it rarely.
  const cache = Cache.make<"card", ReadonlyArray<RateCard.Rate>>(1_000, 1)

  return Storage.Rates.of({
    // Outside the span: a cache hit costs less than the span would.
    all: cache.get("card", call("Rates.all", all)),
    merge: (rows) =>
      call(
        "Rates.merge",
        sql.withTransaction(
          Effect.zipRight(
            Effect.forEach(
              rows,
              (rate) =>
                sql`INSERT INTO rates (channel, country_code, price)
                  VALUES (${rate.channel}, ${rate.countryCode}, ${rate.price})
                  ON CONFLICT (channel, country_code) DO UPDATE SET price = excluded.price`,
              { discard: true }
            ),
            all
          )
        ).pipe(Effect.ensuring(cache.invalidate()))
      )
  })
})

/** The `Rates` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.Rates, make)
