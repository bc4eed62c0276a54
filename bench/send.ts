/**
 * In-process `send()` throughput on a file-backed SQLite store, sequential and with 64 concurrent callers,
 * beside raw better-sqlite3 doing one comparable single-row insert per transaction; each the median of three
 * rounds.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Money } from "@sent/core"
import { Sent } from "@sent/runtime"
import { type Benchmark, median, rawInsertsPerSecond, throughput } from "./Bench.js"

const COUNT = 5_000

const sendsPerSecond = async (dir: string, concurrency: number): Promise<number> => {
  const sent = await Sent.createSent({
    database: { sqlite: join(dir, `sent-${concurrency}.db`) },
    workers: false
  })
  try {
    const { customer } = await sent.customers.create("bench")
    await sent.customers.topUp(customer.id, Money.micros(1_000_000_000_000))
    const template = await sent.templates.create(customer.id, { name: "otp", body: "Your code is {{code}}", channels: ["sms"] })
    const contact = await sent.contacts.create(customer.id, { phoneNumber: "+14155550123" })
    const send = (i: number) =>
      sent.messages.send(customer.id, {
        contactId: contact.contact.id,
        templateId: template.id,
        templateVariables: { code: String(i) }
      })
    await throughput(2_000, concurrency, send) // warm-up: the JIT, the caches, the statement cache
    // The median of three rounds, as for the baseline.
    const rounds: Array<number> = []
    for (let round = 0; round < 3; round++) rounds.push(await throughput(COUNT, concurrency, send))
    return median(rounds)
  } finally {
    await sent.close()
  }
}

const benchmark: Benchmark = {
  name: "send() on SQLite (file, WAL)",
  run: async () => {
    const dir = mkdtempSync(join(tmpdir(), "sent-bench-send-"))
    try {
      const raw = rawInsertsPerSecond(join(dir, "raw"), COUNT * 2)
      const baseline = { name: "raw better-sqlite3 insert/tx", value: raw }
      const sequential = await sendsPerSecond(dir, 1)
      const concurrent = await sendsPerSecond(dir, 64)
      return [
        { name: "send() sequential", value: sequential, unit: "sends/s", baseline },
        { name: "send() 64 concurrent callers", value: concurrent, unit: "sends/s", baseline, target: 0.25 }
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export default benchmark
