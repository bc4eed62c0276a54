/** Stores over the local PostgreSQL, each on a database of its own. */
import { Postgres } from "@sent/sql"
import { Postgres as Pg } from "@sent/testing"
import { Effect, Layer } from "effect"

/** A scratch database for these suites, dropped when its scope closes; yields its URL. */
export const freshDatabase = Pg.freshDatabase("sent_runtime_test")

/** A PostgreSQL store over a fresh, migrated database that is dropped with the layer. */
export const freshStore = Layer.unwrapScoped(Effect.map(freshDatabase, (url) => Postgres.layer({ url })))

export const { describeWhenReachable } = Pg
