/**
 * A dispatch worker killed with SIGKILL while it holds jobs, then restarted: every message still reaches its
 * outcome, none is lost, none is charged twice. Duplicate provider sends (the price of at-least-once
 * dispatch) are counted and reported.
 *
 * The simulated provider keeps its pending status reports in the worker's memory, so the kill loses the
 * reports of messages it had already handed over. A real provider retries its callbacks (Meta for days,
 * Twilio on failure); the test plays that part by re-sending those reports through the same inbound path.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Accounts, type Ids, type Message, Messaging, Provider } from "@sent/core"
import { describe, expect, it } from "vitest"
import { Effect, ManagedRuntime } from "effect"
import { customerWithTemplate, tempDatabase, usNumber, world } from "./fixtures.js"

const here = dirname(fileURLToPath(import.meta.url))
const worker = join(here, "processes", "dispatchWorker.ts")

const startWorker = (database: string, sendLog: string): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", worker, database, sendLog, "15", "1500"], {
    stdio: ["ignore", "inherit", "inherit"]
  })

const lines = (file: string): Array<string> =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0) : []

const exited = (child: ChildProcess) => new Promise((resolve) => child.once("exit", resolve))

const waitFor = async (what: string, condition: () => boolean | Promise<boolean>, timeoutMillis: number) => {
  const deadline = Date.now() + timeoutMillis
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe("a dispatch worker killed mid-work", () => {
  it("loses nothing and charges nothing twice", { timeout: 120_000 }, async () => {
    const database = tempDatabase()
    const sendLog = `${database}.sends`
    const endings = [...Array(100).fill("55"), ...Array(10).fill("07"), ...Array(10).fill("01")] as Array<string>

    // The test process sends and reads; it runs no workers.
    const runtime = ManagedRuntime.make(world({ filename: database, workers: false }))
    const run = <A, E>(effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>) =>
      runtime.runPromise(effect)
    try {
      const { customerId, template } = await run(customerWithTemplate(100_000_000))
      const ids: Array<Ids.MessageId> = []
      for (const [i, ending] of endings.entries()) {
        const { message } = await run(Effect.flatMap(Messaging.Messaging, (m) =>
          m.send(customerId, {
            phoneNumber: usNumber(ending, String(10 + (i % 80))),
            templateId: template.id,
            templateVariables: { name: "A", code: String(i) },
            channel: "sms"
          })))
        ids.push(message.id)
      }
      const all = () => run(Effect.flatMap(Messaging.Messaging, (m) => Effect.forEach(ids, (id) => m.get(customerId, id))))

      const first = startWorker(database, sendLog)
      await waitFor("the first worker to send some messages", () => lines(sendLog).length >= 20, 60_000)
      first.kill("SIGKILL")
      await exited(first)
      const sendsBeforeKill = lines(sendLog).length
      expect(sendsBeforeKill).toBeLessThan(endings.length) // it died holding work

      const second = startWorker(database, sendLog)
      try {
        await waitFor("the restarted worker to dispatch every message", async () =>
          (await all()).every((m) => m.status !== "queued"), 60_000)
        // Play the provider retrying the callbacks that died with the first worker.
        const orphaned = (await all()).filter((m) => m.status === "sent")
        await run(Effect.flatMap(Provider.InboundReports, (inbound) =>
          inbound.ingest(orphaned.map((message) => ({
            provider: "simulated",
            providerMessageId: String((message.channelResponse as { sid: string }).sid),
            report: endingOf(message) === "07"
              ? { status: "failed" as const, timestamp: new Date(), error: { code: "30005", message: "Unknown destination handset", permanent: true } }
              : { status: "delivered" as const, timestamp: new Date() }
          })))))
        await waitFor("every message to reach its outcome", async () =>
          (await all()).every((m) => m.status === "delivered" || m.status === "failed"), 60_000)
      } finally {
        second.kill("SIGTERM")
        await exited(second)
      }

      const messages = await all()
      messages.forEach((message, i) => {
        expect(message.status).toBe(endings[i] === "55" ? "delivered" : "failed")
        expect(message.statusHistory.filter((h) => h.status === message.status)).toHaveLength(1)
      })
      const ledger = await run(Effect.flatMap(Accounts.Accounts, (a) => a.ledger(customerId, { limit: 200 })))
      expect(ledger.nextCursor).toBeNull()
      for (const id of ids) {
        expect(ledger.data.filter((e) => e.messageId === id && e.reason === "message_charge")).toHaveLength(1)
      }
      const { balance } = await run(Effect.flatMap(Accounts.Accounts, (a) => a.balance(customerId)))
      expect(ledger.data.reduce((sum, e) => sum + e.amount, 0)).toBe(balance)
      const refunded = endings.filter((e) => e === "01").length
      expect(balance).toBe(100_000_000 - (endings.length - refunded) * 7_500)

      const sends = lines(sendLog)
      const duplicates = sends.length - new Set(sends).size
      console.log(
        `crash test: ${endings.length} messages, ${sendsBeforeKill} provider sends before SIGKILL, ` +
          `${sends.length} accepted sends in all, ${duplicates} duplicate provider send(s)`
      )
      expect(new Set(sends).size).toBe(endings.length - refunded)
    } finally {
      await runtime.dispose()
    }
  })
})

const endingOf = (message: Message.Message) => message.contact.phoneNumber.slice(-2)
