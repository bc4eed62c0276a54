/** Public routes outside the customer API: the health check and the dashboard playground page. */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"

/** The health check's answer. */
export const Health = Schema.Struct({ status: Schema.Literal("ok") }).annotations({ identifier: "Health" })

const Html = HttpApiSchema.Text({ contentType: "text/html; charset=utf-8" })

/** The public endpoints. */
export class SystemApi extends HttpApiGroup.make("system")
  .add(HttpApiEndpoint.get("health", "/healthz").addSuccess(Health).annotate(OpenApi.Summary, "Health check"))
  .add(HttpApiEndpoint.get("dashboard", "/").addSuccess(Html).annotate(OpenApi.Exclude, true))
  .add(HttpApiEndpoint.get("dashboardAlias", "/dashboard").addSuccess(Html).annotate(OpenApi.Exclude, true))
  .annotate(OpenApi.Title, "System")
{}
