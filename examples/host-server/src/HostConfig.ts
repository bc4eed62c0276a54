/**
 * The host server's settings, all from the environment (API.md, "Host server configuration"). The store,
 * provider, rate-limit and simulator settings are read by the layers that use them; this module holds what
 * the host itself decides: where to listen, which store and providers, and the operator key.
 */
import { Config, Option, Redacted } from "effect"

/** What the host reads for itself. */
export interface HostConfig {
  readonly port: number
  readonly host: string
  /** PostgreSQL when `DATABASE_URL` is set (it wins over `SENT_DB`), else the SQLite file. */
  readonly store: { readonly _tag: "Postgres" } | { readonly _tag: "Sqlite"; readonly filename: string }
  /** `None` when unset: the host generates one and prints it once. */
  readonly adminKey: Option.Option<Redacted.Redacted<string>>
  readonly provider: "simulated" | "live"
  readonly allowPrivateWebhooks: boolean
}

/** The host's settings from `PORT`, `HOST`, `DATABASE_URL`, `SENT_DB`, `SENT_ADMIN_KEY`, `SENT_PROVIDER`, `SENT_ALLOW_PRIVATE_WEBHOOKS`. */
export const config: Config.Config<HostConfig> = Config.all({
  port: Config.port("PORT").pipe(Config.withDefault(3000)),
  host: Config.nonEmptyString("HOST").pipe(Config.withDefault("127.0.0.1")),
  databaseUrl: Config.option(Config.nonEmptyString("DATABASE_URL")),
  filename: Config.nonEmptyString("SENT_DB").pipe(Config.withDefault("./data/sent.db")),
  adminKey: Config.option(Config.redacted("SENT_ADMIN_KEY")),
  provider: Config.literal("simulated", "live")("SENT_PROVIDER").pipe(Config.withDefault("simulated" as const)),
  allowPrivateWebhooks: Config.boolean("SENT_ALLOW_PRIVATE_WEBHOOKS").pipe(Config.withDefault(false))
}).pipe(
  Config.map(({ databaseUrl, filename, ...rest }): HostConfig => ({
    ...rest,
    store: Option.isSome(databaseUrl) ? { _tag: "Postgres" } : { _tag: "Sqlite", filename },
    // An empty SENT_ADMIN_KEY would lock the operator out: treat it as unset.
    adminKey: Option.filter(rest.adminKey, (key) => Redacted.value(key).length > 0)
  }))
)
