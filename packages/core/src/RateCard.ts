/** Prices per (channel, country), with a `*` default per channel, and the quote of a message. */
import { Schema } from "effect"
import { Channel } from "./Channel.js"
import { type Micros, micros, NonNegativeAmount } from "./Money.js"

/** A country code, or `*` for the channel's default. */
export const RateCountry = Schema.Union(Schema.String.pipe(Schema.pattern(/^[A-Z]{2}$/)), Schema.Literal("*"))

/** One row of the rate card: the price of one message (SMS: one segment) on a channel to a country. */
export const Rate = Schema.Struct({ channel: Channel, countryCode: RateCountry, price: NonNegativeAmount }).annotations({
  identifier: "Rate"
})
export type Rate = typeof Rate.Type

/** The defaults a fresh store starts with, so every (channel, country) has a price. */
export const defaultRates: ReadonlyArray<Rate> = [
  { channel: "sms", countryCode: "*", price: micros(7_500) },
  { channel: "whatsapp", countryCode: "*", price: micros(5_000) }
]

/** The price of one unit on a channel to a country: the country's row, else the channel's `*` row. */
export const rateFor = (rates: ReadonlyArray<Rate>, channel: Channel, countryCode: string | undefined): Micros => {
  let fallback: Micros | undefined
  for (const rate of rates) {
    if (rate.channel !== channel) continue
    if (rate.countryCode === countryCode) return rate.price
    if (rate.countryCode === "*") fallback = rate.price
  }
  return fallback ?? defaultRates.find((rate) => rate.channel === channel)!.price
}

/** The quote of a message: WhatsApp costs its rate per message, SMS its rate times its segments. */
export const quote = (
  rates: ReadonlyArray<Rate>,
  input: { readonly channel: Channel; readonly countryCode: string | undefined; readonly segments: number }
): Micros => {
  const rate = rateFor(rates, input.channel, input.countryCode)
  return micros(input.channel === "sms" ? rate * input.segments : rate)
}

/** Merges rows into a card: a row replaces the one with the same channel and country. */
export const merge = (card: ReadonlyArray<Rate>, rows: ReadonlyArray<Rate>): ReadonlyArray<Rate> => {
  const key = (rate: Rate) => `${rate.channel}:${rate.countryCode}`
  const merged = new Map(card.map((rate) => [key(rate), rate]))
  for (const row of rows) merged.set(key(row), row)
  return [...merged.values()]
}
