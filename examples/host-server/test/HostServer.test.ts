import { randomUUID } from "node:crypto"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Webhook } from "standardwebhooks"
import * as ServerProcess from "../src/ServerProcess.js"
import { call, eventually, requestInFlight, tempDir, webhookReceiver } from "./support.js"

// The real server, as an operator runs it: a child process on a free port with its own SQLite file.
const adminKey = `admin-${randomUUID()}`
const environment = (dir: string) => ({
  SENT_DB: join(dir, "data", "sent.db"),
  SENT_ADMIN_KEY: adminKey,
  SENT_ALLOW_PRIVATE_WEBHOOKS: "1"
})

describe("host server (black box)", () => {
  it.scopedLive("operator setup, a send, and its delivered status pushed as a signed webhook", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const receiver = yield* webhookReceiver
      const server = yield* ServerProcess.start({ cwd: dir, env: environment(dir) })
      const admin = { "x-admin-key": adminKey }

      expect((yield* call(server.url, "GET", "/healthz")).body).toEqual({ status: "ok" })
      expect((yield* call(server.url, "POST", "/admin/customers", { body: { name: "Acme" } })).status).toBe(401)

      const created = yield* call(server.url, "POST", "/admin/customers", { body: { name: "Acme" }, headers: admin })
      expect(created.status).toBe(201)
      const customerId = String(created.body.id)
      const customer = { "x-api-key": String(created.body.apiKey) }

      const toppedUp = yield* call(server.url, "POST", `/admin/customers/${customerId}/top-up`, { body: { amount: 5 }, headers: admin })
      expect(toppedUp.status).toBe(200)
      expect(toppedUp.body).toEqual({ balance: 5, currency: "USD" })

      const template = yield* call(server.url, "POST", "/v1/templates", {
        body: { name: "shipped", body: "Hi {{name}}, order {{order}} shipped." },
        headers: customer
      })
      expect(template.status).toBe(201)

      const webhook = yield* call(server.url, "POST", "/v1/webhooks", { body: { url: receiver.url }, headers: customer })
      expect(webhook.status).toBe(201)
      const secret = String(webhook.body.secret)
      expect(secret).toMatch(/^whsec_/)

      const sent = yield* call(server.url, "POST", "/v1/messages", {
        body: {
          phoneNumber: "+14155550142",
          templateId: template.body.id,
          templateVariables: { name: "Ada", order: "A-1" },
          channel: "sms"
        },
        headers: customer
      })
      expect(sent.status).toBe(202)
      expect(sent.body).toMatchObject({ status: "queued", messageBody: "Hi Ada, order A-1 shipped.", channel: "sms" })
      const messageId = String(sent.body.id)

      // Every delivery verifies with an independent Standard Webhooks implementation.
      const events = yield* eventually(Effect.suspend(() => {
        const verified = receiver.deliveries.map((delivery) =>
          new Webhook(secret).verify(delivery.body, {
            "webhook-id": String(delivery.headers["webhook-id"]),
            "webhook-timestamp": String(delivery.headers["webhook-timestamp"]),
            "webhook-signature": String(delivery.headers["webhook-signature"])
          }) as { id: string; type: string; data: { id: string; status: string } }
        )
        return verified.some((event) => event.data.status === "delivered")
          ? Effect.succeed(verified)
          : Effect.fail("no delivered event yet")
      }))
      expect(events.every((event) => event.type === "message.status.updated" && event.data.id === messageId)).toBe(true)
      expect(events.map((event) => event.data.status)).toEqual(["sent", "delivered"])
      expect(receiver.deliveries.every((delivery) => delivery.headers["content-type"] === "application/json")).toBe(true)

      const message = yield* call(server.url, "GET", `/v1/messages/${messageId}`, { headers: customer })
      expect(message.body).toMatchObject({ status: "delivered" })
      const history = message.body.statusHistory as ReadonlyArray<{ status: string }>
      expect(history.map((entry) => entry.status)).toEqual(["queued", "sent", "delivered"])
      const charged = (message.body.pricing as { correctedPrice: number }).correctedPrice
      expect(charged).toBeGreaterThan(0)
      const balance = yield* call(server.url, "GET", "/v1/balance", { headers: customer })
      expect(balance.body).toEqual({ balance: Number((5 - charged).toFixed(6)), currency: "USD" })

      const exited = yield* server.stop("SIGTERM")
      expect(exited.code).toBe(0)
    }), 120_000)

  it.scopedLive("first start seeds a demo; SIGTERM exits 0 within 10 s; a restart on the same file resumes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const first = yield* ServerProcess.start({ cwd: dir, env: environment(dir) })
      expect(first.demoApiKey).toMatch(/^sent_/)
      expect(first.output()).toContain("curl -s -X POST")
      const demo = { "x-api-key": first.demoApiKey! }

      const contacts = yield* call(first.url, "GET", "/v1/contacts", { headers: demo })
      const templates = yield* call(first.url, "GET", "/v1/templates", { headers: demo })
      const contact = (contacts.body.data as ReadonlyArray<{ id: string }>)[0]!
      const template = (templates.body.data as ReadonlyArray<{ id: string; variables: ReadonlyArray<string> }>)[0]!
      expect(template.variables.length).toBeGreaterThan(0)
      const balanceBefore = yield* call(first.url, "GET", "/v1/balance", { headers: demo })
      expect((balanceBefore.body.balance as number)).toBeGreaterThan(0)

      const sent = yield* call(first.url, "POST", "/v1/messages", {
        body: {
          contactId: contact.id,
          templateId: template.id,
          templateVariables: Object.fromEntries(template.variables.map((name) => [name, "x"]))
        },
        headers: demo
      })
      expect(sent.status).toBe(202)
      const messageId = String(sent.body.id)
      yield* eventually(Effect.flatMap(call(first.url, "GET", `/v1/messages/${messageId}`, { headers: demo }), (answer) =>
        answer.body.status === "read" ? Effect.void : Effect.fail(answer.body.status)))

      // A request in flight when SIGTERM arrives is finished and answered before the process exits.
      const inFlight = requestInFlight(first.url, "/v1/contacts", demo, { phoneNumber: "+14155550177", name: "Late" })
      yield* Effect.sleep("200 millis")
      const stopping = yield* Effect.fork(first.stop("SIGTERM"))
      yield* Effect.sleep("300 millis")
      inFlight.finish()
      expect((yield* inFlight.answer).status).toBe(201)
      const exited = yield* Fiber.join(stopping)
      expect(exited).toMatchObject({ code: 0, signal: null })
      expect(exited.millis).toBeLessThan(10_000)
      // Logs are JSON lines and never carry the demo key (the banner prints it once, as plain text).
      const logLines = first.output().split("\n").filter((line) => line.startsWith("{"))
      expect(logLines.length).toBeGreaterThan(0)
      for (const line of logLines) {
        expect(() => JSON.parse(line)).not.toThrow()
        expect(line).not.toContain(first.demoApiKey!)
        expect(line).not.toContain(adminKey)
      }

      const second = yield* ServerProcess.start({ cwd: dir, env: environment(dir) })
      expect(second.demoApiKey).toBeUndefined()
      const again = yield* call(second.url, "GET", `/v1/messages/${messageId}`, { headers: demo })
      expect(again.status).toBe(200)
      expect(again.body).toMatchObject({ id: messageId, status: "read" })
      const late = yield* call(second.url, "GET", "/v1/contacts", { headers: demo })
      expect((late.body.data as ReadonlyArray<{ name?: string }>).map((c) => c.name)).toContain("Late")
      const balanceAfter = yield* call(second.url, "GET", "/v1/balance", { headers: demo })
      expect(balanceAfter.body.balance).toBeLessThan(balanceBefore.body.balance as number)
      expect((yield* second.stop("SIGINT")).code).toBe(0)
    }), 120_000)
})
