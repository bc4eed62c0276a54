/** Reading optional settings from the environment. */
import { Config, Option, Redacted } from "effect"

/** An optional setting; set but blank counts as not set, as blank variables are common in deployments. */
export const optionalString = (name: string): Config.Config<Option.Option<string>> =>
  Config.string(name).pipe(
    Config.option,
    Config.map(Option.filter((value) => value.trim() !== ""))
  )

/** An optional secret; blank counts as not set. */
export const optionalRedacted = (name: string): Config.Config<Option.Option<Redacted.Redacted>> =>
  Config.redacted(name).pipe(
    Config.option,
    Config.map(Option.filter((value) => Redacted.value(value).trim() !== ""))
  )
