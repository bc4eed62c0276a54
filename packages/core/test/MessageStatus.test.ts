import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, FastCheck } from "effect"
import type { Channel } from "../src/Channel.js"
import {
  advances,
  apply,
  isTerminal,
  type Lifecycle,
  MessageError,
  type MessageStatus,
  queued,
  rank,
  ReportedStatus,
  type StatusReport,
  unknownFailure
} from "../src/MessageStatus.js"

const runs = { fastCheck: { numRuns: 1000 } }
const start = new Date("2025-03-01T12:00:00.000Z")

const channelArb = FastCheck.constantFrom<Channel>("sms", "whatsapp")

// Report times straddle the queue time on purpose: provider clocks disagree with ours.
const reportArb: FastCheck.Arbitrary<StatusReport> = FastCheck.record(
  {
    status: FastCheck.constantFrom(...ReportedStatus.literals),
    timestamp: FastCheck.integer({ min: -60_000, max: 600_000 }).map((offset) => new Date(start.getTime() + offset)),
    channelResponse: FastCheck.dictionary(FastCheck.string({ maxLength: 4 }), FastCheck.integer(), { maxKeys: 2 }),
    error: Arbitrary.make(MessageError)
  },
  { requiredKeys: ["status", "timestamp"] }
)

const reportsArb = FastCheck.array(reportArb, { maxLength: 12 })

/** A set of reports, and the same set delivered in two orders with repeats: what a provider really does. */
const deliveriesArb = FastCheck.tuple(channelArb, FastCheck.array(reportArb, { minLength: 1, maxLength: 8 })).chain(
  ([channel, reports]) =>
    FastCheck.array(FastCheck.nat(reports.length - 1), { maxLength: 8 }).chain((repeats) => {
      const withRepeats = [...reports, ...repeats.map((i) => reports[i]!)]
      const order = FastCheck.shuffledSubarray(withRepeats, {
        minLength: withRepeats.length,
        maxLength: withRepeats.length
      })
      return FastCheck.tuple(FastCheck.constant(channel), FastCheck.constant(reports), order, order)
    })
)

const allowedOn = (channel: Channel, status: MessageStatus) => status !== "read" || channel === "whatsapp"

/** Every lifecycle along a sequence of reports, the fresh one first. */
const trace = (channel: Channel, reports: ReadonlyArray<StatusReport>): ReadonlyArray<Lifecycle> => {
  const steps = [queued(channel, start)]
  for (const report of reports) steps.push(apply(steps[steps.length - 1]!, report))
  return steps
}

const run = (channel: Channel, reports: ReadonlyArray<StatusReport>): Lifecycle =>
  reports.reduce<Lifecycle>(apply, queued(channel, start))

describe("MessageStatus.apply (properties)", () => {
  it.prop(
    "ends at the highest-ranked status the channel allows, whatever the order and repetition of reports",
    [deliveriesArb],
    ([[channel, reports, firstOrder, secondOrder]]) => {
      const expected = reports
        .map((r) => r.status)
        .filter((status) => allowedOn(channel, status))
        .reduce<MessageStatus>((best, status) => (rank(status) > rank(best) ? status : best), "queued")
      assert.strictEqual(run(channel, reports).status, expected)
      assert.strictEqual(run(channel, firstOrder).status, expected)
      assert.strictEqual(run(channel, secondOrder).status, expected)
    },
    runs
  )

  it.prop(
    "never lowers the rank of the status",
    [channelArb, reportsArb],
    ([channel, reports]) => {
      const steps = trace(channel, reports)
      for (let i = 1; i < steps.length; i++) {
        assert.isAtLeast(rank(steps[i]!.status), rank(steps[i - 1]!.status))
      }
    },
    runs
  )

  it.prop(
    "never reaches read on SMS",
    [reportsArb],
    ([reports]) => {
      for (const step of trace("sms", reports)) {
        assert.notStrictEqual(step.status, "read")
        assert.notInclude(
          step.statusHistory.map((entry) => entry.status),
          "read"
        )
      }
    },
    runs
  )

  it.prop(
    "keeps a history that starts with queued, holds each status once, in rank order, with non-decreasing times",
    [channelArb, reportsArb],
    ([channel, reports]) => {
      for (const step of trace(channel, reports)) {
        const history = step.statusHistory
        assert.deepStrictEqual(history[0], { status: "queued", timestamp: start, channel })
        assert.strictEqual(history[history.length - 1]!.status, step.status)
        assert.strictEqual(new Set(history.map((entry) => entry.status)).size, history.length)
        for (let i = 1; i < history.length; i++) {
          assert.isAbove(rank(history[i]!.status), rank(history[i - 1]!.status))
          assert.isAtLeast(history[i]!.timestamp.getTime(), history[i - 1]!.timestamp.getTime())
          assert.strictEqual(history[i]!.channel, channel)
        }
      }
    },
    runs
  )

  it.prop(
    "stamps each history entry with its report's time, or the previous entry's when the report is earlier",
    [channelArb, reportsArb],
    ([channel, reports]) => {
      let lifecycle = queued(channel, start)
      for (const report of reports) {
        const next = apply(lifecycle, report)
        if (next !== lifecycle) {
          const previous = lifecycle.statusHistory[lifecycle.statusHistory.length - 1]!.timestamp.getTime()
          const entry = next.statusHistory[next.statusHistory.length - 1]!
          assert.strictEqual(entry.timestamp.getTime(), Math.max(previous, report.timestamp.getTime()))
        }
        lifecycle = next
      }
    },
    runs
  )

  it.prop(
    "applies a repeated report once: the second application changes nothing",
    [channelArb, reportsArb, reportArb],
    ([channel, prefix, report]) => {
      const once = apply(run(channel, prefix), report)
      const twice = apply(once, report)
      assert.strictEqual(twice, once)
      assert.deepStrictEqual(twice, once)
    },
    runs
  )

  it.prop(
    "carries an error exactly when the status is failed: the report's own, else the generic one",
    [channelArb, reportsArb],
    ([channel, reports]) => {
      let lifecycle = queued(channel, start)
      assert.isUndefined(lifecycle.error)
      for (const report of reports) {
        const next = apply(lifecycle, report)
        assert.strictEqual(next.error !== undefined, next.status === "failed")
        assert.strictEqual("error" in next, next.status === "failed")
        if (next !== lifecycle && next.status === "failed") {
          assert.deepStrictEqual(next.error, report.error ?? unknownFailure)
        }
        lifecycle = next
      }
    },
    runs
  )

  it.prop(
    "leaves a terminal lifecycle unchanged by any further report",
    [channelArb, reportsArb, reportArb, reportsArb],
    ([channel, prefix, last, further]) => {
      const finalStatus = channel === "whatsapp" ? "read" : "delivered"
      const terminal = run(channel, [...prefix, { ...last, status: finalStatus }])
      assert.isTrue(isTerminal(terminal))
      for (const report of further) assert.strictEqual(apply(terminal, report), terminal)
    },
    runs
  )

  it.prop(
    "calls a lifecycle terminal exactly when no report can advance it",
    [channelArb, reportsArb],
    ([channel, reports]) => {
      for (const step of trace(channel, reports)) {
        const canAdvance = ReportedStatus.literals.some((status) => advances(step, { status, timestamp: start }))
        assert.strictEqual(isTerminal(step), !canAdvance)
      }
    },
    runs
  )

  it.prop(
    "keeps the extra fields of the record it moves",
    [channelArb, reportsArb],
    ([channel, reports]) => {
      const record = { ...queued(channel, start), id: "message-1", segments: 3 }
      const moved = reports.reduce(apply, record)
      assert.strictEqual(moved.id, "message-1")
      assert.strictEqual(moved.segments, 3)
    },
    runs
  )
})

describe("MessageStatus.apply (examples)", () => {
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000)
  const providerError: MessageError = { code: "30003", message: "Unreachable destination handset", permanent: true }

  it("moves queued → sent → delivered → read on WhatsApp", () => {
    const final = run("whatsapp", [
      { status: "sent", timestamp: at(1) },
      { status: "delivered", timestamp: at(2) },
      { status: "read", timestamp: at(3) }
    ])
    assert.deepStrictEqual(
      final.statusHistory.map((entry) => [entry.status, entry.timestamp.toISOString()]),
      [
        ["queued", start.toISOString()],
        ["sent", at(1).toISOString()],
        ["delivered", at(2).toISOString()],
        ["read", at(3).toISOString()]
      ]
    )
  })

  it("takes read before delivered (Meta skips delivered) and then ignores the late delivered", () => {
    const final = run("whatsapp", [
      { status: "read", timestamp: at(3) },
      { status: "delivered", timestamp: at(2) }
    ])
    assert.strictEqual(final.status, "read")
    assert.deepStrictEqual(
      final.statusHistory.map((entry) => entry.status),
      ["queued", "read"]
    )
  })

  it("lets delivery evidence beat an earlier failure report and drops the error", () => {
    const failed = run("whatsapp", [{ status: "failed", timestamp: at(1), error: providerError }])
    assert.deepStrictEqual(failed.error, providerError)
    const delivered = apply(failed, { status: "delivered", timestamp: at(2) })
    assert.strictEqual(delivered.status, "delivered")
    assert.isUndefined(delivered.error)
    assert.isFalse("error" in delivered)
  })

  it("lets a failure beat sent, but not delivered", () => {
    const sent = run("sms", [{ status: "sent", timestamp: at(1) }])
    assert.strictEqual(apply(sent, { status: "failed", timestamp: at(2) }).status, "failed")
    const delivered = apply(sent, { status: "delivered", timestamp: at(2) })
    assert.strictEqual(apply(delivered, { status: "failed", timestamp: at(3) }), delivered)
  })

  it("ignores read on SMS", () => {
    const delivered = run("sms", [{ status: "delivered", timestamp: at(1) }])
    assert.strictEqual(apply(delivered, { status: "read", timestamp: at(2) }), delivered)
    assert.isFalse(advances(queued("sms", start), { status: "read", timestamp: at(1) }))
  })

  it("keeps the last channel response when a report brings none, and takes a new one when it does", () => {
    const sent = apply(queued("sms", start), { status: "sent", timestamp: at(1), channelResponse: { sid: "SM1" } })
    assert.deepStrictEqual(sent.channelResponse, { sid: "SM1" })
    assert.deepStrictEqual(apply(sent, { status: "delivered", timestamp: at(2) }).channelResponse, { sid: "SM1" })
    assert.deepStrictEqual(
      apply(sent, { status: "delivered", timestamp: at(2), channelResponse: { sid: "SM1", status: "delivered" } })
        .channelResponse,
      { sid: "SM1", status: "delivered" }
    )
  })

  it("counts read on WhatsApp and delivered on SMS as terminal, and nothing else", () => {
    assert.isTrue(isTerminal({ ...queued("whatsapp", start), status: "read" }))
    assert.isTrue(isTerminal({ ...queued("sms", start), status: "delivered" }))
    assert.isFalse(isTerminal({ ...queued("whatsapp", start), status: "delivered" }))
    assert.isFalse(isTerminal({ ...queued("sms", start), status: "failed" }))
    assert.isFalse(isTerminal({ ...queued("whatsapp", start), status: "failed" }))
    assert.isFalse(isTerminal({ ...queued("sms", start), status: "sent" }))
    assert.isFalse(isTerminal(queued("sms", start)))
  })

  it("ranks queued < sent < failed < delivered < read", () => {
    const order: ReadonlyArray<MessageStatus> = ["queued", "sent", "failed", "delivered", "read"]
    for (let i = 1; i < order.length; i++) assert.isAbove(rank(order[i]!), rank(order[i - 1]!))
  })
})
