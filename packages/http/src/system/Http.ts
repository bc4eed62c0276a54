/** The health check and the dashboard page. */
import { HttpApiBuilder } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import { SentApi } from "../Api.js"

/** The page served at `/` and `/dashboard` (`Server` mounts the dashboard package's playground). */
export class Dashboard extends Context.Tag("@sent/http/Dashboard")<Dashboard, { readonly html: string }>() {
  /** The given page. */
  static readonly layer = (html: string): Layer.Layer<Dashboard> => Layer.succeed(Dashboard, { html })
}

const health = { status: "ok" } as const

/** The public group implemented. */
export const layer = HttpApiBuilder.group(SentApi, "system", (handlers) =>
  Effect.map(Dashboard, ({ html }) =>
    handlers
      .handle("health", () => Effect.succeed(health))
      .handle("dashboard", () => Effect.succeed(html))
      .handle("dashboardAlias", () => Effect.succeed(html))
  ))
