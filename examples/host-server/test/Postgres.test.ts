import { existsSync } from "node:fs"
import { join } from "node:path"
import { expect, it } from "@effect/vitest"
import { Postgres as Pg } from "@sent/testing"
import { Effect } from "effect"
import * as ServerProcess from "../src/ServerProcess.js"
import { call, eventually, tempDir } from "./support.js"

const freshDatabase = Pg.freshDatabase("sent_host")

await Pg.describeWhenReachable("host server on PostgreSQL (black box)", () => {
  it.scopedLive("DATABASE_URL wins over SENT_DB, and two server processes share the store", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const env = { DATABASE_URL: yield* freshDatabase, SENT_DB: join(dir, "unused.db"), SENT_ADMIN_KEY: "admin" }
      const first = yield* ServerProcess.start({ cwd: dir, env })
      const second = yield* ServerProcess.start({ cwd: dir, env })
      expect(existsSync(env.SENT_DB)).toBe(false)
      expect(first.demoApiKey).toMatch(/^sent_/)
      expect(second.demoApiKey).toBeUndefined()
      const demo = { "x-api-key": first.demoApiKey! }

      // Sent through one process, delivered by whichever worker claims it, read through the other.
      const templates = yield* call(second.url, "GET", "/v1/templates", { headers: demo })
      const template = (templates.body.data as ReadonlyArray<{ id: string }>)[0]!
      const sent = yield* call(second.url, "POST", "/v1/messages", {
        body: { phoneNumber: "+14155550188", templateId: template.id, templateVariables: { name: "Grace" }, channel: "sms" },
        headers: demo
      })
      expect(sent.status).toBe(202)
      yield* eventually(Effect.flatMap(call(first.url, "GET", `/v1/messages/${String(sent.body.id)}`, { headers: demo }), (answer) =>
        answer.body.status === "delivered" ? Effect.void : Effect.fail(answer.body.status)))

      expect((yield* first.stop("SIGTERM")).code).toBe(0)
      expect((yield* second.stop("SIGTERM")).code).toBe(0)
    }), 120_000)
})
