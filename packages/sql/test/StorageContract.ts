/**
 * The storage contract: every port method, written once as a function of a layer and run against each
 * adapter (SQLite and PostgreSQL), the way Effect tests `SqlPersistedQueue`.
 */
import { assert, describe, layer } from "@effect/vitest"
import type { Contact, Ids } from "@sent/core"
import { Money, Storage } from "@sent/core"
import { Array, Duration, Effect, Either, Fiber, type Layer, Option } from "effect"
import * as Fixtures from "./fixtures.js"

const farFuture = new Date(Date.UTC(2100, 0, 1))

/** Takes every due dispatch job away, so a test sees only the jobs it enqueues. */
const drainJobs = Effect.gen(function*() {
  const jobs = yield* Storage.DispatchJobs
  yield* jobs.complete((yield* jobs.claim("drain", 100_000, 1, farFuture)).map((job) => job.id))
})

/** Settles every due webhook delivery as failed, so a test sees only the deliveries it creates. */
const drainDeliveries = Effect.gen(function*() {
  const webhooks = yield* Storage.Webhooks
  for (;;) {
    const claimed = yield* webhooks.claim("drain", 100_000, 1, farFuture)
    if (claimed.length === 0) return
    for (const delivery of claimed) {
      yield* webhooks.record(delivery.id, { at: farFuture, latencyMs: 0, error: "drained" }, { status: "failed" })
    }
  }
})

/** Every page of a list, following cursors. */
const allPages = <A>(list: (page: Storage.PageRequest) => Effect.Effect<Storage.Page<A>>, limit: number) =>
  Effect.gen(function*() {
    const items: Array<A> = []
    let cursor: string | undefined = undefined
    for (;;) {
      const page: Storage.Page<A> = yield* list({ limit, cursor })
      items.push(...page.data)
      if (page.nextCursor === null) return items
      cursor = page.nextCursor
    }
  })

/** The contract suite against the store `storage` builds. */
export const storageContract = <E>(name: string, storage: Layer.Layer<Storage.Storage, E>) =>
  // Live services: the signal tests wait in real time, and nothing here needs the test clock.
  layer(storage, { timeout: 60_000, excludeTestServices: true })(name, (it) => {
    describe("Customers", () => {
      it.effect("inserts, finds by id and by API key hash, adds keys", () =>
        Effect.gen(function*() {
          const customers = yield* Storage.Customers
          const { apiKeyHash, customerId } = yield* Fixtures.customer
          const found = yield* customers.find(customerId)
          assert.deepStrictEqual(Option.map(found, (c) => c.id), Option.some(customerId))
          assert.deepStrictEqual(found.pipe(Option.map((c) => c.createdAt.getTime())), Option.some(Fixtures.at().getTime()))
          assert.deepStrictEqual(Option.map(yield* customers.findByApiKeyHash(apiKeyHash), (c) => c.id), Option.some(customerId))
          assert.isTrue(yield* customers.addApiKey(customerId, `second-${apiKeyHash}`))
          assert.deepStrictEqual(
            Option.map(yield* customers.findByApiKeyHash(`second-${apiKeyHash}`), (c) => c.id),
            Option.some(customerId)
          )
          assert.isFalse(yield* customers.addApiKey(Fixtures.id<Ids.CustomerId>(), "orphan-key"))
          assert.isTrue(Option.isNone(yield* customers.findByApiKeyHash("orphan-key")))
          assert.isTrue(Option.isNone(yield* customers.find(Fixtures.id<Ids.CustomerId>())))
          assert.isTrue(yield* customers.any)
        }))
    })

    describe("Ledger", () => {
      it.effect("appends, debits only what the balance covers, lists newest first", () =>
        Effect.gen(function*() {
          const ledger = yield* Storage.Ledger
          const { customerId } = yield* Fixtures.customer
          assert.strictEqual(yield* ledger.balance(customerId), 0)
          assert.strictEqual(yield* ledger.append(customerId, Fixtures.entry(10_000)), 10_000)
          assert.isTrue(yield* ledger.debitIfCovered(customerId, Fixtures.entry(-7_500)))
          assert.isFalse(yield* ledger.debitIfCovered(customerId, Fixtures.entry(-7_500)))
          assert.strictEqual(yield* ledger.balance(customerId), 2_500)
          const refund = { ...Fixtures.entry(7_500), reason: "message_refund" as const, messageId: Fixtures.id<Ids.MessageId>() }
          assert.strictEqual(yield* ledger.append(customerId, refund), 10_000)
          const entries = yield* allPages((page) => ledger.list(customerId, page), 2)
          assert.deepStrictEqual(entries.map((e) => e.amount), [7_500, -7_500, 10_000])
          assert.deepStrictEqual(entries[0], refund)
          assert.strictEqual(entries.reduce((sum, e) => sum + e.amount, 0), yield* ledger.balance(customerId))
          // Another customer's ledger is empty and its balance zero.
          const other = yield* Fixtures.customer
          assert.deepStrictEqual(yield* ledger.list(other.customerId, { limit: 10 }), { data: [], nextCursor: null })
        }))

      it.effect("200 concurrent debits against a balance covering exactly 100: 100 succeed, none overdraws", () =>
        Effect.gen(function*() {
          const ledger = yield* Storage.Ledger
          const { customerId } = yield* Fixtures.customer
          yield* ledger.append(customerId, Fixtures.entry(100 * 7_500))
          const results = yield* Effect.all(
            Array.makeBy(200, () => ledger.debitIfCovered(customerId, Fixtures.entry(-7_500))),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(results.filter((ok) => ok).length, 100)
          assert.strictEqual(yield* ledger.balance(customerId), 0)
          const entries = yield* allPages((page) => ledger.list(customerId, page), 200)
          assert.strictEqual(entries.length, 101)
          assert.strictEqual(entries.reduce((sum, e) => sum + e.amount, 0), 0)
          yield* drainJobs
        }))
    })

    describe("Rates", () => {
      it.effect("starts with the default card and merges rows by (channel, country)", () =>
        Effect.gen(function*() {
          const rates = yield* Storage.Rates
          const card = yield* rates.all
          assert.includeDeepMembers([...card], [
            { channel: "sms", countryCode: "*", price: Money.micros(7_500) },
            { channel: "whatsapp", countryCode: "*", price: Money.micros(5_000) }
          ])
          const merged = yield* rates.merge([
            { channel: "sms", countryCode: "DE", price: Money.micros(9_000) },
            { channel: "sms", countryCode: "DE", price: Money.micros(9_100) }
          ])
          assert.deepStrictEqual(merged.filter((r) => r.countryCode === "DE"), [
            { channel: "sms", countryCode: "DE", price: Money.micros(9_100) }
          ])
          assert.deepStrictEqual(yield* rates.all, merged)
        }))
    })

    describe("Contacts", () => {
      it.effect("inserts once per number, finds, lists, sets channels, deletes; tenants are isolated", () =>
        Effect.gen(function*() {
          const contacts = yield* Storage.Contacts
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const ada = Fixtures.contact()
          assert.deepStrictEqual(yield* contacts.insertOrGet(customerId, ada), { contact: ada, created: true })
          const again = yield* contacts.insertOrGet(customerId, Fixtures.contact({ phoneNumber: ada.phoneNumber, name: "Other" }))
          assert.deepStrictEqual(again, { contact: ada, created: false })
          // The same number is a different contact of another customer.
          const theirs = Fixtures.contact({ phoneNumber: ada.phoneNumber })
          assert.isTrue((yield* contacts.insertOrGet(other.customerId, theirs)).created)
          assert.deepStrictEqual(yield* contacts.find(customerId, ada.id), Option.some(ada))
          assert.isTrue(Option.isNone(yield* contacts.find(other.customerId, ada.id)))
          assert.deepStrictEqual(yield* contacts.findByPhoneNumber(customerId, ada.phoneNumber), Option.some(ada))
          const { name: _, ...unnamed } = Fixtures.contact()
          yield* contacts.insertOrGet(customerId, unnamed)
          assert.deepStrictEqual(yield* contacts.list(customerId, { limit: 10 }), { data: [unnamed, ada], nextCursor: null })
          yield* contacts.setChannels(customerId, ada.id, ["sms"], Fixtures.at(99))
          yield* contacts.setChannels(other.customerId, ada.id, [], Fixtures.at(99))
          assert.deepStrictEqual(
            yield* contacts.find(customerId, ada.id),
            Option.some({ ...ada, availableChannels: ["sms" as const], updatedAt: Fixtures.at(99) })
          )
          assert.isFalse(yield* contacts.delete(other.customerId, ada.id))
          assert.isTrue(yield* contacts.delete(customerId, ada.id))
          assert.isFalse(yield* contacts.delete(customerId, ada.id))
          assert.isTrue(Option.isNone(yield* contacts.find(customerId, ada.id)))
        }))

      it.effect("concurrent inserts of one number create exactly one contact", () =>
        Effect.gen(function*() {
          const contacts = yield* Storage.Contacts
          const { customerId } = yield* Fixtures.customer
          const phoneNumber = Fixtures.contact().phoneNumber
          const results = yield* Effect.all(
            Array.makeBy(20, () => contacts.insertOrGet(customerId, Fixtures.contact({ phoneNumber }))),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(results.filter((r) => r.created).length, 1)
          assert.strictEqual(new Set(results.map((r) => r.contact.id)).size, 1)
        }))

      it.effect("pages never skip or repeat while newer contacts are inserted between pages", () =>
        Effect.gen(function*() {
          const contacts = yield* Storage.Contacts
          const { customerId } = yield* Fixtures.customer
          const existing = Array.makeBy(25, () => Fixtures.contact())
          for (const contact of existing) yield* contacts.insertOrGet(customerId, contact)
          const seen: Array<string> = []
          let cursor: string | undefined = undefined
          for (;;) {
            // Writers keep adding contacts while the reader pages.
            const [page]: readonly [Storage.Page<Contact.Contact>, unknown] = yield* Effect.all([
              contacts.list(customerId, { limit: 4, cursor }),
              Effect.forEach(Array.makeBy(3, () => Fixtures.contact()), (c) => contacts.insertOrGet(customerId, c), {
                concurrency: "unbounded"
              })
            ], { concurrency: "unbounded" })
            seen.push(...page.data.map((c) => c.id))
            if (page.nextCursor === null) break
            cursor = page.nextCursor
          }
          assert.strictEqual(new Set(seen).size, seen.length)
          const expected = existing.map((c) => c.id).reverse()
          assert.deepStrictEqual(seen.filter((id) => expected.includes(id as Ids.ContactId)), expected)
        }))

      it.effect("a cursor that is not ours gives the empty last page", () =>
        Effect.gen(function*() {
          const contacts = yield* Storage.Contacts
          const { customerId } = yield* Fixtures.customer
          yield* contacts.insertOrGet(customerId, Fixtures.contact())
          assert.deepStrictEqual(yield* contacts.list(customerId, { limit: 5, cursor: "garbage" }), {
            data: [],
            nextCursor: null
          })
        }))
    })

    describe("Templates", () => {
      it.effect("inserts, finds, lists, deletes; tenants are isolated", () =>
        Effect.gen(function*() {
          const templates = yield* Storage.Templates
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const first = Fixtures.template()
          const second = Fixtures.template({ name: "reminder", category: "MARKETING", channels: ["sms"], variables: [] })
          yield* templates.insert(customerId, first)
          yield* templates.insert(customerId, second)
          assert.deepStrictEqual(yield* templates.find(customerId, first.id), Option.some(first))
          assert.isTrue(Option.isNone(yield* templates.find(other.customerId, first.id)))
          const page1 = yield* templates.list(customerId, { limit: 1 })
          assert.deepStrictEqual(page1.data, [second])
          assert.isNotNull(page1.nextCursor)
          assert.deepStrictEqual(yield* templates.list(customerId, { limit: 1, cursor: page1.nextCursor! }), {
            data: [first],
            nextCursor: null
          })
          assert.deepStrictEqual((yield* templates.list(other.customerId, { limit: 10 })).data, [])
          assert.isFalse(yield* templates.delete(other.customerId, first.id))
          assert.isTrue(yield* templates.delete(customerId, first.id))
          assert.isTrue(Option.isNone(yield* templates.find(customerId, first.id)))
        }))
    })

    describe("Sends", () => {
      const sendOf = (customerId: Ids.CustomerId, overrides: Partial<Storage.SendCommit> = {}): Storage.SendCommit => {
        const record = Fixtures.message(customerId)
        return {
          record,
          charge: { ...Fixtures.entry(-record.charged), messageId: record.id },
          ...overrides
        }
      }

      it.effect("commits, in order, the sends the balance covers, with one debit, ledger entry, message and job each", () =>
        Effect.gen(function*() {
          const sends = yield* Storage.Sends
          const ledger = yield* Storage.Ledger
          const messages = yield* Storage.Messages
          const jobs = yield* Storage.DispatchJobs
          const { customerId } = yield* Fixtures.customer
          yield* ledger.append(customerId, Fixtures.entry(2 * 7_500 + 100))
          yield* drainJobs
          const batch = [sendOf(customerId), sendOf(customerId), sendOf(customerId)]
          const outcomes = yield* sends.commit(batch)
          assert.deepStrictEqual(outcomes.map((o) => o._tag), ["Committed", "Committed", "InsufficientBalance"])
          assert.deepStrictEqual(outcomes[2], { _tag: "InsufficientBalance", balance: Money.micros(100) })
          assert.strictEqual(yield* ledger.balance(customerId), 100)
          const entries = (yield* ledger.list(customerId, { limit: 10 })).data
          assert.strictEqual(entries.reduce((sum, e) => sum + e.amount, 0), 100)
          assert.deepStrictEqual(Option.map(yield* messages.find(customerId, batch[0]!.record.id), (m) => m.id), Option.some(batch[0]!.record.id))
          assert.isTrue(Option.isNone(yield* messages.find(customerId, batch[2]!.record.id)))
          const claimed = yield* jobs.claim("sends", 10, 60_000, farFuture)
          assert.deepStrictEqual(claimed.map((j) => j.messageId).sort(), [batch[0]!.record.id, batch[1]!.record.id].sort())
          yield* jobs.complete(claimed.map((job) => job.id))
        }))

      it.effect("records idempotency keys once, and creates new contacts only for sends that commit", () =>
        Effect.gen(function*() {
          const sends = yield* Storage.Sends
          const ledger = yield* Storage.Ledger
          const keys = yield* Storage.IdempotencyKeys
          const contacts = yield* Storage.Contacts
          const { customerId } = yield* Fixtures.customer
          yield* ledger.append(customerId, Fixtures.entry(7_500))
          const fresh = Fixtures.contact()
          const stranded = Fixtures.contact()
          const outcomes = yield* sends.commit([
            sendOf(customerId, { newContact: fresh, idempotency: { key: "k1", requestHash: "h1" } }),
            sendOf(customerId, { idempotency: { key: "k1", requestHash: "h1" } }),
            sendOf(customerId, { newContact: stranded })
          ])
          assert.deepStrictEqual(outcomes.map((o) => o._tag), ["Committed", "KeyTaken", "InsufficientBalance"])
          const stored = yield* contacts.findByPhoneNumber(customerId, fresh.phoneNumber)
          assert.isTrue(Option.isSome(stored))
          assert.isTrue(Option.isNone(yield* contacts.findByPhoneNumber(customerId, stranded.phoneNumber)))
          const committed = outcomes[0]!
          assert.strictEqual(committed._tag === "Committed" && committed.record.contact.id, Option.getOrThrow(stored).id)
          const response = yield* keys.find(customerId, "k1")
          assert.deepStrictEqual(Option.map(response, (r) => r.requestHash), Option.some("h1"))
          assert.strictEqual(yield* ledger.balance(customerId), 0)
          assert.deepStrictEqual((yield* sends.commit([sendOf(customerId, { idempotency: { key: "k1", requestHash: "h2" } })])).map((o) => o._tag), ["KeyTaken"])
          yield* drainJobs
        }))

      it.effect("concurrent batches never overdraw a balance", () =>
        Effect.gen(function*() {
          const sends = yield* Storage.Sends
          const ledger = yield* Storage.Ledger
          const { customerId } = yield* Fixtures.customer
          yield* ledger.append(customerId, Fixtures.entry(10 * 7_500))
          const batches = yield* Effect.forEach(
            Array.makeBy(8, () => Array.makeBy(4, () => sendOf(customerId))),
            (batch) => sends.commit(batch),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(batches.flat().filter((o) => o._tag === "Committed").length, 10)
          assert.strictEqual(yield* ledger.balance(customerId), 0)
          const entries = yield* allPages((page) => ledger.list(customerId, page), 50)
          assert.strictEqual(entries.reduce((sum, e) => sum + e.amount, 0), 0)
        }))
    })

    describe("Messages", () => {
      it.effect("round-trips every field, saves changes, finds by ids and provider ids; tenants are isolated", () =>
        Effect.gen(function*() {
          const messages = yield* Storage.Messages
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const record = Fixtures.message(customerId)
          yield* messages.insert(record)
          assert.deepStrictEqual(yield* messages.find(customerId, record.id), Option.some(record))
          assert.isTrue(Option.isNone(yield* messages.find(other.customerId, record.id)))
          assert.deepStrictEqual(yield* messages.findManyForUpdate([record.id]), [record])
          assert.deepStrictEqual(yield* messages.findMany([record.id, Fixtures.id<Ids.MessageId>()]), [record])
          assert.deepStrictEqual(yield* messages.findMany([]), [])
          const failed = {
            ...record,
            channel: "sms" as const,
            status: "failed" as const,
            statusHistory: [
              ...record.statusHistory,
              { status: "sent" as const, timestamp: Fixtures.at(11), channel: "sms" as const },
              { status: "failed" as const, timestamp: Fixtures.at(12) }
            ],
            channelResponse: { sid: "SM123", nested: { price: "-0.0075" }, list: [1, null] },
            pricing: { ...record.pricing, correctedPrice: Money.micros(0) },
            error: { code: "30003", message: "Unreachable", permanent: true },
            fallback: {
              from: "whatsapp" as const,
              to: "sms" as const,
              reason: { code: "131026", message: "Not a WhatsApp user", permanent: true },
              timestamp: Fixtures.at(11)
            },
            automatic: false,
            provider: "twilio",
            providerMessageId: `SM${record.id}`,
            charged: Money.micros(0),
            segments: 3,
            updatedAt: Fixtures.at(12)
          }
          // Saved together with a second message, which keeps its own changes only.
          const second = Fixtures.message(customerId)
          yield* messages.insert(second)
          const secondSent = { ...second, status: "sent" as const, provider: "twilio", providerMessageId: `SM${second.id}` }
          yield* messages.saveMany([failed, secondSent])
          assert.deepStrictEqual(yield* messages.find(customerId, record.id), Option.some(failed))
          assert.deepStrictEqual(yield* messages.find(customerId, second.id), Option.some(secondSent))
          assert.deepStrictEqual(
            yield* messages.findManyByProviderIds("twilio", [`SM${second.id}`, `SM${record.id}`, "SMunknown"]),
            [failed, secondSent].sort((a, b) => (a.id < b.id ? -1 : 1))
          )
          assert.deepStrictEqual(yield* messages.findManyByProviderIds("meta", [`SM${record.id}`]), [])
          assert.deepStrictEqual(yield* messages.findManyForUpdate([Fixtures.id<Ids.MessageId>()]), [])
          assert.strictEqual((yield* messages.list(customerId, {}, { limit: 10 })).data.length, 2)
        }))
      it.effect("saves only what a lifecycle changes: who a message is for and what it says stay", () =>
        Effect.gen(function*() {
          const messages = yield* Storage.Messages
          const { customerId } = yield* Fixtures.customer
          const record = Fixtures.message(customerId)
          yield* messages.insert(record)
          yield* messages.saveMany([{ ...record, messageBody: "changed", status: "sent" as const }])
          assert.deepStrictEqual(yield* messages.find(customerId, record.id), Option.some({ ...record, status: "sent" as const }))
        }))

      it.effect("set methods take batches beyond what one statement can bind", () =>
        Effect.gen(function*() {
          const tx = yield* Storage.Transactor
          const messages = yield* Storage.Messages
          const { customerId } = yield* Fixtures.customer
          // 1,200 rows of 28 columns are 33,600 parameters: more than SQLite binds in one statement.
          const records = Array.makeBy(1_200, () => Fixtures.message(customerId))
          yield* tx.withTransaction(Effect.forEach(records, messages.insert, { discard: true }))
          yield* messages.saveMany(records.map((record) => ({ ...record, status: "sent" as const })))
          const unknown = Array.makeBy(31_000, () => Fixtures.id<Ids.MessageId>())
          const found = yield* messages.findManyForUpdate([...unknown, ...records.map((record) => record.id)])
          assert.strictEqual(found.length, records.length)
          assert.isTrue(found.every((record) => record.status === "sent"))
          assert.deepStrictEqual(found.map((record) => record.id), records.map((record) => record.id).sort())
        }))

      it.effect("lists newest first, filtered by status, channel and contact, scoped by customer", () =>
        Effect.gen(function*() {
          const messages = yield* Storage.Messages
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const contactId = Fixtures.id<Ids.ContactId>()
          const a = Fixtures.message(customerId, { contact: { id: contactId, phoneNumber: Fixtures.contact().phoneNumber } })
          const b = Fixtures.message(customerId, { channel: "whatsapp", status: "delivered" })
          const c = Fixtures.message(customerId, { status: "delivered" })
          const theirs = Fixtures.message(other.customerId, { status: "delivered" })
          for (const record of [a, b, c, theirs]) yield* messages.insert(record)
          const ids = (page: Storage.Page<{ readonly id: Ids.MessageId }>) => page.data.map((m) => m.id)
          assert.deepStrictEqual(ids(yield* messages.list(customerId, {}, { limit: 10 })), [c.id, b.id, a.id])
          assert.deepStrictEqual(ids(yield* messages.list(customerId, { status: "delivered" }, { limit: 10 })), [c.id, b.id])
          assert.deepStrictEqual(ids(yield* messages.list(customerId, { channel: "whatsapp" }, { limit: 10 })), [b.id])
          assert.deepStrictEqual(ids(yield* messages.list(customerId, { contactId }, { limit: 10 })), [a.id])
          assert.deepStrictEqual(
            ids(yield* messages.list(customerId, { status: "delivered", channel: "sms" }, { limit: 10 })),
            [c.id]
          )
          const paged = yield* allPages((page) => messages.list(customerId, {}, page), 1)
          assert.deepStrictEqual(paged.map((m) => m.id), [c.id, b.id, a.id])
          assert.deepStrictEqual(ids(yield* messages.list(other.customerId, {}, { limit: 10 })), [theirs.id])
        }))
      it.effect("reads for update serialise concurrent read-modify-write transactions", () =>
        Effect.gen(function*() {
          const tx = yield* Storage.Transactor
          const messages = yield* Storage.Messages
          const { customerId } = yield* Fixtures.customer
          const record = Fixtures.message(customerId, { segments: 0 })
          yield* messages.insert(record)
          yield* Effect.all(
            Array.makeBy(20, () =>
              tx.withTransaction(
                Effect.gen(function*() {
                  const [current] = yield* messages.findManyForUpdate([record.id])
                  // Give the other transactions every chance to read the same state.
                  yield* Effect.sleep("2 millis")
                  yield* messages.saveMany([{ ...current!, segments: current!.segments + 1 }])
                })
              )),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(Option.map(yield* messages.find(customerId, record.id), (m) => m.segments).pipe(Option.getOrThrow), 20)
        }))
    })

    describe("IdempotencyKeys", () => {
      it.effect("records the first response per (customer, key) and finds it", () =>
        Effect.gen(function*() {
          const keys = yield* Storage.IdempotencyKeys
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const { countryCode: _c, nationalNumber: _n, segments: _s, templateCategory: _tc, templateParameters: _tp,
            templateChannels: _tch, automatic: _a, provider: _p, providerMessageId: _pm, charged: _ch, ...message } =
              Fixtures.message(customerId)
          const response = { requestHash: "abc", message }
          assert.isTrue(yield* keys.insert(customerId, "key-1", response, Fixtures.at()))
          assert.isFalse(yield* keys.insert(customerId, "key-1", { ...response, requestHash: "def" }, Fixtures.at()))
          assert.deepStrictEqual(yield* keys.find(customerId, "key-1"), Option.some(response))
          assert.isTrue(Option.isNone(yield* keys.find(other.customerId, "key-1")))
          assert.isTrue(yield* keys.insert(other.customerId, "key-1", response, Fixtures.at()))
        }))
    })

    describe("HeldReports", () => {
      it.effect("holds reports and takes them once, oldest first", () =>
        Effect.gen(function*() {
          const held = yield* Storage.HeldReports
          const tx = yield* Storage.Transactor
          const providerMessageId = `wamid.${Fixtures.id()}`
          const delivered = {
            provider: "whatsapp",
            providerMessageId,
            report: { status: "delivered" as const, timestamp: Fixtures.at(30), channelResponse: { id: "x" } }
          }
          const failed = {
            provider: "whatsapp",
            providerMessageId,
            report: {
              status: "failed" as const,
              timestamp: Fixtures.at(29),
              error: { code: "131026", message: "Undeliverable", permanent: true }
            },
            price: Money.micros(5_000)
          }
          const other = { ...delivered, providerMessageId: `wamid.${Fixtures.id()}` }
          yield* tx.withTransaction(Effect.zipRight(held.lock("whatsapp", [providerMessageId]), held.hold([delivered], Fixtures.at(31))))
          yield* held.hold([failed, other], Fixtures.at(32))
          yield* held.hold([{ ...delivered, provider: "twilio" }], Fixtures.at(33))
          yield* held.hold([], Fixtures.at(34))
          const taken = yield* tx.withTransaction(
            Effect.zipRight(
              held.lock("whatsapp", [providerMessageId, other.providerMessageId]),
              held.take("whatsapp", [providerMessageId, other.providerMessageId, "wamid.unknown"])
            )
          )
          assert.deepStrictEqual(
            taken,
            new Map([[providerMessageId, [delivered, failed]], [other.providerMessageId, [other]]])
          )
          assert.strictEqual((yield* held.take("whatsapp", [providerMessageId])).size, 0)
          assert.strictEqual((yield* held.take("whatsapp", [])).size, 0)
          assert.strictEqual((yield* held.take("twilio", [providerMessageId])).get(providerMessageId)?.length, 1)
        }))
      it.effect("lock holds others off the same provider id until the holder's transaction ends", () =>
        Effect.gen(function*() {
          const held = yield* Storage.HeldReports
          const tx = yield* Storage.Transactor
          const providerMessageId = `SM${Fixtures.id()}`
          const order: Array<string> = []
          const first = yield* Effect.fork(tx.withTransaction(Effect.gen(function*() {
            yield* held.lock("twilio", [providerMessageId])
            order.push("first locked")
            yield* Effect.sleep("300 millis")
            order.push("first done")
          })))
          yield* Effect.sleep("100 millis")
          // Among others, in any order: the one id in common still makes it wait.
          yield* tx.withTransaction(Effect.zipRight(
            held.lock("twilio", [`SM${Fixtures.id()}`, providerMessageId, `SM${Fixtures.id()}`]),
            Effect.sync(() => order.push("second locked"))
          ))
          yield* Fiber.join(first)
          assert.deepStrictEqual(order, ["first locked", "first done", "second locked"])
        }))
    })

    describe("Transactor", () => {
      it.effect("a failed transaction leaves no partial rows; a failed nested one only undoes itself", () =>
        Effect.gen(function*() {
          const tx = yield* Storage.Transactor
          const ledger = yield* Storage.Ledger
          const messages = yield* Storage.Messages
          const jobs = yield* Storage.DispatchJobs
          const { customerId } = yield* Fixtures.customer
          yield* ledger.append(customerId, Fixtures.entry(10_000))
          const record = Fixtures.message(customerId)
          const outcome = yield* tx.withTransaction(
            Effect.gen(function*() {
              yield* ledger.debitIfCovered(customerId, Fixtures.entry(-7_500))
              yield* messages.insert(record)
              yield* jobs.enqueue(record.id, Fixtures.at())
              return yield* Effect.fail("boom" as const)
            })
          ).pipe(Effect.either)
          assert.deepStrictEqual(outcome, Either.left("boom" as const))
          assert.strictEqual(yield* ledger.balance(customerId), 10_000)
          assert.strictEqual((yield* ledger.list(customerId, { limit: 10 })).data.length, 1)
          assert.isTrue(Option.isNone(yield* messages.find(customerId, record.id)))

          const kept = Fixtures.message(customerId)
          const undone = Fixtures.message(customerId)
          yield* tx.withTransaction(
            Effect.gen(function*() {
              yield* messages.insert(kept)
              yield* tx.withTransaction(Effect.zipRight(messages.insert(undone), Effect.fail("inner"))).pipe(Effect.ignore)
            })
          )
          assert.isTrue(Option.isSome(yield* messages.find(customerId, kept.id)))
          assert.isTrue(Option.isNone(yield* messages.find(customerId, undone.id)))
        }))

      it.effect("defects roll back too", () =>
        Effect.gen(function*() {
          const tx = yield* Storage.Transactor
          const messages = yield* Storage.Messages
          const { customerId } = yield* Fixtures.customer
          const record = Fixtures.message(customerId)
          const exit = yield* tx.withTransaction(Effect.zipRight(messages.insert(record), Effect.die("crash"))).pipe(Effect.exit)
          assert.isTrue(exit._tag === "Failure")
          assert.isTrue(Option.isNone(yield* messages.find(customerId, record.id)))
        }))
    })

    describe("DispatchJobs", () => {
      it.effect("claims due jobs with a lease, re-claims after expiry, completes, reschedules, releases", () =>
        Effect.gen(function*() {
          const jobs = yield* Storage.DispatchJobs
          yield* drainJobs
          assert.isTrue(Option.isNone(yield* jobs.nextRunAt))
          const now = Fixtures.at(1_000_000)
          const [due, later] = [Fixtures.id<Ids.MessageId>(), Fixtures.id<Ids.MessageId>()]
          yield* jobs.enqueue(due, now)
          yield* jobs.enqueue(later, new Date(now.getTime() + 60_000))
          assert.deepStrictEqual(yield* jobs.nextRunAt, Option.some(now))

          const [first, ...rest] = yield* jobs.claim("w1", 10, 5_000, now)
          assert.deepStrictEqual(rest, [])
          assert.strictEqual(first!.messageId, due)
          assert.strictEqual(first!.attempts, 0)
          // Leased: nobody else gets it until the lease runs out, and then it counts a second attempt.
          assert.deepStrictEqual(yield* jobs.claim("w2", 10, 5_000, new Date(now.getTime() + 4_999)), [])
          assert.deepStrictEqual(yield* jobs.nextRunAt, Option.some(new Date(now.getTime() + 5_000)))
          const [again] = yield* jobs.claim("w2", 10, 5_000, new Date(now.getTime() + 5_000))
          assert.deepStrictEqual(again, { ...first!, attempts: 1 })

          yield* jobs.reschedule(again!.id, new Date(now.getTime() + 10_000), "transient")
          assert.deepStrictEqual(yield* jobs.claim("w3", 10, 5_000, new Date(now.getTime() + 9_999)), [])
          const [third] = yield* jobs.claim("w3", 10, 5_000, new Date(now.getTime() + 10_000))
          assert.strictEqual(third!.attempts, 2)

          // A released job is due again at once.
          yield* jobs.release("w3")
          const [fourth] = yield* jobs.claim("w4", 10, 5_000, new Date(now.getTime() + 10_001))
          assert.strictEqual(fourth!.id, first!.id)
          yield* jobs.complete([fourth!.id])
          assert.deepStrictEqual(yield* jobs.claim("w4", 10, 5_000, new Date(now.getTime() + 59_999)), [])
          assert.deepStrictEqual(yield* jobs.nextRunAt, Option.some(new Date(now.getTime() + 60_000)))
          const [last] = yield* jobs.claim("w4", 10, 5_000, new Date(now.getTime() + 60_000))
          assert.strictEqual(last!.messageId, later)
          yield* jobs.complete([last!.id])
          assert.isTrue(Option.isNone(yield* jobs.nextRunAt))
        }))

      it.effect("claims at most `limit`, oldest first, and concurrent claimers never share a job", () =>
        Effect.gen(function*() {
          const jobs = yield* Storage.DispatchJobs
          yield* drainJobs
          const now = Fixtures.at(2_000_000)
          const messageIds = Array.makeBy(120, () => Fixtures.id<Ids.MessageId>())
          for (const [i, messageId] of messageIds.entries()) yield* jobs.enqueue(messageId, new Date(now.getTime() - 1_000 + i))
          const batch = yield* jobs.claim("first", 5, 30_000, now)
          assert.deepStrictEqual(batch.map((j) => j.messageId), messageIds.slice(0, 5))
          const claims = yield* Effect.all(
            Array.makeBy(8, (w) => jobs.claim(`worker-${w}`, 20, 30_000, now)),
            { concurrency: "unbounded" }
          )
          const claimed = [...batch, ...claims.flat()].map((j) => j.messageId)
          assert.strictEqual(new Set(claimed).size, claimed.length)
          assert.sameMembers(claimed, messageIds)
          yield* jobs.complete([...batch, ...claims.flat()].map((job) => job.id))
        }))
    })

    describe("Webhooks", () => {
      it.effect("stores endpoints, rotates secrets, enables and deletes; tenants are isolated", () =>
        Effect.gen(function*() {
          const webhooks = yield* Storage.Webhooks
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const first = Fixtures.endpoint()
          const second = Fixtures.endpoint({ enabled: false })
          yield* webhooks.insert(customerId, first)
          yield* webhooks.insert(customerId, second)
          assert.deepStrictEqual(yield* webhooks.find(customerId, first.id), Option.some(first))
          assert.isTrue(Option.isNone(yield* webhooks.find(other.customerId, first.id)))
          assert.deepStrictEqual(yield* allPages((page) => webhooks.list(customerId, page), 1), [second, first])
          assert.deepStrictEqual((yield* webhooks.list(other.customerId, { limit: 5 })).data, [])
          assert.isTrue(Option.isNone(yield* webhooks.rotateSecret(other.customerId, first.id, "whsec_x", farFuture)))
          const rotated = yield* webhooks.rotateSecret(customerId, first.id, "whsec_new", farFuture)
          assert.deepStrictEqual(rotated, Option.some({ ...first, secret: "whsec_new" }))
          yield* webhooks.setEnabled(second.id, true)
          assert.deepStrictEqual(yield* webhooks.find(customerId, second.id), Option.some({ ...second, enabled: true }))
          assert.isFalse(yield* webhooks.delete(other.customerId, first.id))
          assert.isTrue(yield* webhooks.delete(customerId, first.id))
          assert.isTrue(Option.isNone(yield* webhooks.find(customerId, first.id)))
        }))

      it.effect("emits to enabled subscribed endpoints (or only one), claims with the signing secrets", () =>
        Effect.gen(function*() {
          const webhooks = yield* Storage.Webhooks
          yield* drainDeliveries
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const subscribed = Fixtures.endpoint()
          const disabled = Fixtures.endpoint({ enabled: false })
          const unsubscribed = Fixtures.endpoint({ eventTypes: [] })
          const foreign = Fixtures.endpoint()
          for (const e of [subscribed, disabled, unsubscribed]) yield* webhooks.insert(customerId, e)
          yield* webhooks.insert(other.customerId, foreign)
          // The rotated-out secret signs until its grace ends.
          const now = Fixtures.at(3_000_000)
          yield* webhooks.rotateSecret(customerId, subscribed.id, "whsec_current", new Date(now.getTime() + 1_000))
          const event = Fixtures.event(customerId, Fixtures.id<Ids.MessageId>(), now)
          yield* webhooks.emit(event)
          const [claimed, ...none] = yield* webhooks.claim("w", 10, 30_000, now)
          assert.deepStrictEqual(none, [])
          assert.deepStrictEqual(claimed!.event, event)
          assert.deepStrictEqual(claimed!.endpoint, { ...subscribed, secret: "whsec_current" })
          assert.deepStrictEqual(claimed!.previousSecrets, [subscribed.secret])
          assert.strictEqual(claimed!.attempt, 0)
          yield* webhooks.record(claimed!.id, { at: now, latencyMs: 12, responseStatus: 200 }, { status: "succeeded" })

          // `onlyTo` reaches the named endpoint whatever it subscribes to; another customer's is no receiver.
          const test = { ...Fixtures.event(customerId, null, now), type: "webhook.test" as const }
          yield* webhooks.emit(test, unsubscribed.id)
          yield* webhooks.emit(Fixtures.event(customerId, null, now), foreign.id)
          const later = new Date(now.getTime() + 2_000)
          const [tested, ...nothing] = yield* webhooks.claim("w", 10, 30_000, later)
          assert.deepStrictEqual(nothing, [])
          assert.strictEqual(tested!.endpoint.id, unsubscribed.id)
          assert.deepStrictEqual(tested!.event, test)
          assert.deepStrictEqual(tested!.previousSecrets, [])
          yield* webhooks.record(tested!.id, { at: later, latencyMs: 3, responseStatus: 204 }, { status: "succeeded" })
        }))

      it.effect("emitMany queues each event to its customer's subscribers, keeping one message's events in order", () =>
        Effect.gen(function*() {
          const webhooks = yield* Storage.Webhooks
          yield* drainDeliveries
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const quiet = yield* Fixtures.customer
          const [mine, second, disabled, unsubscribed, theirs] = [
            Fixtures.endpoint(),
            Fixtures.endpoint(),
            Fixtures.endpoint({ enabled: false }),
            Fixtures.endpoint({ eventTypes: [] }),
            Fixtures.endpoint()
          ]
          for (const e of [mine, second, disabled, unsubscribed]) yield* webhooks.insert(customerId, e)
          yield* webhooks.insert(other.customerId, theirs)
          const now = Fixtures.at(3_500_000)
          const messageId = Fixtures.id<Ids.MessageId>()
          const sent = Fixtures.event(customerId, messageId, now)
          const delivered = Fixtures.event(customerId, messageId, now)
          const foreign = Fixtures.event(other.customerId, Fixtures.id<Ids.MessageId>(), now)
          const unheard = Fixtures.event(quiet.customerId, Fixtures.id<Ids.MessageId>(), now)
          assert.strictEqual(yield* webhooks.emitMany([]), 0)
          assert.strictEqual(yield* webhooks.emitMany([unheard]), 0)
          assert.strictEqual(yield* webhooks.emitMany([sent, unheard, foreign, delivered]), 5)
          const first = yield* webhooks.claim("w", 10, 30_000, now)
          assert.sameDeepMembers(
            first.map((d) => [d.event.id, d.endpoint.id]),
            [[sent.id, mine.id], [sent.id, second.id], [foreign.id, theirs.id]]
          )
          assert.deepStrictEqual(first.find((d) => d.event.id === foreign.id)!.event, foreign)
          for (const d of first) yield* webhooks.record(d.id, { at: now, latencyMs: 1, responseStatus: 200 }, { status: "succeeded" })
          const next = yield* webhooks.claim("w", 10, 30_000, now)
          assert.sameDeepMembers(next.map((d) => [d.event.id, d.endpoint.id]), [[delivered.id, mine.id], [delivered.id, second.id]])
          for (const d of next) yield* webhooks.record(d.id, { at: now, latencyMs: 1, responseStatus: 200 }, { status: "succeeded" })
          assert.deepStrictEqual(yield* webhooks.claim("w", 10, 30_000, now), [])
        }))

      it.effect("delivers one message's events to an endpoint in order, logs every attempt", () =>
        Effect.gen(function*() {
          const webhooks = yield* Storage.Webhooks
          yield* drainDeliveries
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const hook = Fixtures.endpoint()
          yield* webhooks.insert(customerId, hook)
          const now = Fixtures.at(4_000_000)
          const messageId = Fixtures.id<Ids.MessageId>()
          const sent = Fixtures.event(customerId, messageId, now)
          const delivered = Fixtures.event(customerId, messageId, now)
          const unrelated = Fixtures.event(customerId, Fixtures.id<Ids.MessageId>(), now)
          for (const e of [sent, delivered, unrelated]) yield* webhooks.emit(e)

          // Only the first event of the message is due; the unrelated message's event is not held back.
          const first = yield* webhooks.claim("w", 10, 30_000, now)
          assert.deepStrictEqual(first.map((d) => d.event.id), [sent.id, unrelated.id])
          const [sentDelivery, unrelatedDelivery] = first
          yield* webhooks.record(unrelatedDelivery!.id, { at: now, latencyMs: 5, responseStatus: 200 }, { status: "succeeded" })
          const retryAt = new Date(now.getTime() + 5_000)
          yield* webhooks.record(
            sentDelivery!.id,
            { at: now, latencyMs: 30_000, error: "timed out" },
            { status: "pending", retryAt }
          )
          // The retry of `sent` is not due yet, and it holds `delivered` back.
          assert.deepStrictEqual(yield* webhooks.claim("w", 10, 30_000, new Date(now.getTime() + 4_999)), [])
          // `delivered` is held back, so only the retry can be next.
          assert.deepStrictEqual(yield* webhooks.nextRunAt(new Date(now.getTime() + 4_999)), Option.some(retryAt))
          const [retried, ...none] = yield* webhooks.claim("w", 10, 30_000, retryAt)
          assert.deepStrictEqual(none, [])
          assert.strictEqual(retried!.id, sentDelivery!.id)
          assert.strictEqual(retried!.attempt, 1)
          const failedAt = new Date(now.getTime() + 6_000)
          yield* webhooks.record(retried!.id, { at: failedAt, latencyMs: 40, responseStatus: 500 }, { status: "failed" })
          // Given up on: the next event goes.
          const [next] = yield* webhooks.claim("w", 10, 30_000, failedAt)
          assert.strictEqual(next!.event.id, delivered.id)
          const doneAt = new Date(now.getTime() + 7_000)
          yield* webhooks.record(next!.id, { at: doneAt, latencyMs: 8, responseStatus: 200 }, { status: "succeeded" })

          const log = yield* allPages((page) => webhooks.deliveries(customerId, hook.id, page), 2)
          assert.deepStrictEqual(log, [
            { id: next!.id, eventId: delivered.id, messageId, attempt: 1, status: "succeeded", responseStatus: 200, latencyMs: 8, createdAt: doneAt },
            { id: retried!.id, eventId: sent.id, messageId, attempt: 2, status: "failed", responseStatus: 500, latencyMs: 40, createdAt: failedAt },
            { id: sentDelivery!.id, eventId: sent.id, messageId, attempt: 1, status: "pending", latencyMs: 30_000, error: "timed out", createdAt: now },
            { id: unrelatedDelivery!.id, eventId: unrelated.id, messageId: unrelated.messageId!, attempt: 1, status: "succeeded", responseStatus: 200, latencyMs: 5, createdAt: now }
          ])
          assert.deepStrictEqual((yield* webhooks.deliveries(other.customerId, hook.id, { limit: 10 })).data, [])
        }))

      it.effect("recordMany settles a batch of mixed outcomes at once, logged in the order given", () =>
        Effect.gen(function*() {
          const webhooks = yield* Storage.Webhooks
          yield* drainDeliveries
          const { customerId } = yield* Fixtures.customer
          const [hook, doomed] = [Fixtures.endpoint(), Fixtures.endpoint()]
          yield* webhooks.insert(customerId, hook)
          yield* webhooks.insert(customerId, doomed)
          const now = Fixtures.at(4_500_000)
          const events = Array.makeBy(4, () => Fixtures.event(customerId, Fixtures.id<Ids.MessageId>(), now))
          for (const e of events.slice(0, 3)) yield* webhooks.emit(e, hook.id)
          yield* webhooks.emit(events[3]!, doomed.id)
          const claimed = yield* webhooks.claim("w", 10, 30_000, now)
          assert.strictEqual(claimed.length, 4)
          const [ok, retried, failed, orphan] = claimed
          // The endpoint was deleted while its attempt was in flight: that attempt has nowhere to be logged.
          yield* webhooks.delete(customerId, doomed.id)
          const retryAt = new Date(now.getTime() + 60_000)
          yield* webhooks.recordMany([
            { id: failed!.id, attempt: { at: now, latencyMs: 3, responseStatus: 500 }, outcome: { status: "failed" } },
            { id: orphan!.id, attempt: { at: now, latencyMs: 4, responseStatus: 200 }, outcome: { status: "succeeded" } },
            { id: ok!.id, attempt: { at: now, latencyMs: 1, responseStatus: 204 }, outcome: { status: "succeeded" } },
            { id: retried!.id, attempt: { at: now, latencyMs: 2, error: "timed out" }, outcome: { status: "pending", retryAt } }
          ])
          yield* webhooks.recordMany([])

          const log = yield* allPages((page) => webhooks.deliveries(customerId, hook.id, page), 10)
          assert.deepStrictEqual(log.map((d) => [d.id, d.status, d.attempt]), [
            [retried!.id, "pending", 1],
            [ok!.id, "succeeded", 1],
            [failed!.id, "failed", 1]
          ])
          // Only the retry is left, due at its own time.
          assert.deepStrictEqual(yield* webhooks.claim("w", 10, 30_000, new Date(retryAt.getTime() - 1)), [])
          const [again, ...none] = yield* webhooks.claim("w", 10, 30_000, retryAt)
          assert.deepStrictEqual(none, [])
          assert.deepStrictEqual([again!.id, again!.attempt], [retried!.id, 1])
          yield* webhooks.record(again!.id, { at: retryAt, latencyMs: 1, responseStatus: 200 }, { status: "succeeded" })
        }))

      it.effect("a lease hides a delivery until it expires; release gives it back", () =>
        Effect.gen(function*() {
          const webhooks = yield* Storage.Webhooks
          yield* drainDeliveries
          const { customerId } = yield* Fixtures.customer
          const hook = Fixtures.endpoint()
          yield* webhooks.insert(customerId, hook)
          const now = Fixtures.at(5_000_000)
          yield* webhooks.emit(Fixtures.event(customerId, Fixtures.id<Ids.MessageId>(), now))
          const [leased] = yield* webhooks.claim("w1", 10, 1_000, now)
          assert.deepStrictEqual(yield* webhooks.claim("w2", 10, 1_000, new Date(now.getTime() + 999)), [])
          assert.deepStrictEqual(yield* webhooks.nextRunAt(new Date(now.getTime() + 999)), Option.some(new Date(now.getTime() + 1_000)))
          const [expired] = yield* webhooks.claim("w2", 10, 1_000, new Date(now.getTime() + 1_000))
          assert.strictEqual(expired!.id, leased!.id)
          yield* webhooks.release("w2")
          const [released] = yield* webhooks.claim("w3", 10, 1_000, new Date(now.getTime() + 1_001))
          assert.strictEqual(released!.id, leased!.id)
          // Disabled endpoints get nothing until enabled again, and their retries wake no one.
          const retryAt = new Date(now.getTime() + 10_000)
          yield* webhooks.record(released!.id, { at: now, latencyMs: 1, error: "refused" }, { status: "pending", retryAt })
          assert.deepStrictEqual(yield* webhooks.nextRunAt(now), Option.some(retryAt))
          yield* webhooks.setEnabled(hook.id, false)
          assert.deepStrictEqual(yield* webhooks.claim("w4", 10, 1_000, farFuture), [])
          assert.isTrue(Option.isNone(yield* webhooks.nextRunAt(now)))
          yield* webhooks.setEnabled(hook.id, true)
          assert.isTrue(Option.isNone(yield* webhooks.nextRunAt(retryAt)))
          assert.strictEqual((yield* webhooks.claim("w4", 10, 1_000, farFuture)).length, 1)
        }))

      it.effect("replays the endpoint's events of a time range; counts failures since the last success", () =>
        Effect.gen(function*() {
          const webhooks = yield* Storage.Webhooks
          yield* drainDeliveries
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const hook = Fixtures.endpoint()
          yield* webhooks.insert(customerId, hook)
          const t0 = Fixtures.at(6_000_000)
          const events = [0, 1_000, 2_000, 3_000].map((offset) =>
            Fixtures.event(customerId, Fixtures.id<Ids.MessageId>(), new Date(t0.getTime() + offset))
          )
          for (const e of events) yield* webhooks.emit(e)
          assert.deepStrictEqual(yield* webhooks.consecutiveFailures(hook.id), { count: 0, since: null })
          const claimed = yield* webhooks.claim("w", 10, 30_000, new Date(t0.getTime() + 3_000))
          assert.strictEqual(claimed.length, 4)
          const outcomes = ["failed", "succeeded", "failed", "failed"] as const
          for (const [i, delivery] of claimed.entries()) {
            yield* webhooks.record(
              delivery.id,
              { at: new Date(t0.getTime() + 10_000 + i), latencyMs: 1, responseStatus: outcomes[i] === "succeeded" ? 200 : 500 },
              { status: outcomes[i]! }
            )
          }
          assert.deepStrictEqual(yield* webhooks.consecutiveFailures(hook.id), {
            count: 2,
            since: new Date(t0.getTime() + 10_002)
          })

          assert.strictEqual(yield* webhooks.replay(other.customerId, hook.id, t0, farFuture), 0)
          assert.strictEqual(yield* webhooks.replay(customerId, hook.id, new Date(t0.getTime() + 1_000), new Date(t0.getTime() + 3_000)), 2)
          const replayed = yield* webhooks.claim("w", 10, 30_000, farFuture)
          assert.deepStrictEqual(replayed.map((d) => d.event.id), [events[1]!.id, events[2]!.id])
          assert.isTrue(replayed.every((d) => d.attempt === 0))
          yield* webhooks.record(replayed[0]!.id, { at: farFuture, latencyMs: 1, responseStatus: 200 }, { status: "succeeded" })
          assert.deepStrictEqual(yield* webhooks.consecutiveFailures(hook.id), { count: 0, since: null })
        }))
      it.effect("replays one event only to an endpoint that had it, and only for its customer", () =>
        Effect.gen(function*() {
          const webhooks = yield* Storage.Webhooks
          yield* drainDeliveries
          const { customerId } = yield* Fixtures.customer
          const other = yield* Fixtures.customer
          const [hook, second] = [Fixtures.endpoint(), Fixtures.endpoint()]
          yield* webhooks.insert(customerId, hook)
          yield* webhooks.insert(customerId, second)
          const t0 = Fixtures.at(6_500_000)
          const [toBoth, toOne] = [0, 1].map((i) => Fixtures.event(customerId, Fixtures.id<Ids.MessageId>(), new Date(t0.getTime() + i)))
          yield* webhooks.emit(toBoth!)
          yield* webhooks.emit(toOne!, hook.id)
          const first = yield* webhooks.claim("w", 10, 30_000, farFuture)
          assert.strictEqual(first.length, 3)
          for (const delivery of first) {
            yield* webhooks.record(delivery.id, { at: farFuture, latencyMs: 1, responseStatus: 200 }, { status: "succeeded" })
          }

          assert.strictEqual(yield* webhooks.replayEvent(customerId, second.id, toOne!.id), 0)
          assert.strictEqual(yield* webhooks.replayEvent(other.customerId, hook.id, toBoth!.id), 0)
          assert.strictEqual(yield* webhooks.replayEvent(customerId, hook.id, Fixtures.id<Ids.EventId>()), 0)
          assert.deepStrictEqual(yield* webhooks.claim("w", 10, 30_000, farFuture), [])
          assert.strictEqual(yield* webhooks.replayEvent(customerId, hook.id, toBoth!.id), 1)
          assert.strictEqual(yield* webhooks.replayEvent(customerId, second.id, toOne!.id), 0)
          const replayed = yield* webhooks.claim("w", 10, 30_000, farFuture)
          assert.deepStrictEqual(replayed.map((d) => [d.event.id, d.endpoint.id, d.attempt]), [[toBoth!.id, hook.id, 0]])
          assert.strictEqual(replayed[0]!.event.payload, toBoth!.payload)
        }))
      it.effect("concurrent claimers share no delivery and deliver each message's events in order", () =>
        Effect.gen(function*() {
          const webhooks = yield* Storage.Webhooks
          yield* drainDeliveries
          const { customerId } = yield* Fixtures.customer
          const hook = Fixtures.endpoint()
          yield* webhooks.insert(customerId, hook)
          const now = Fixtures.at(7_000_000)
          const messageIds = Array.makeBy(20, () => Fixtures.id<Ids.MessageId>())
          const emitted = new Map<string, Array<string>>(messageIds.map((id) => [id, []]))
          for (let round = 0; round < 3; round++) {
            for (const messageId of messageIds) {
              const event = Fixtures.event(customerId, messageId, now)
              yield* webhooks.emit(event)
              emitted.get(messageId)!.push(event.id)
            }
          }
          const received = new Map<string, Array<string>>(messageIds.map((id) => [id, []]))
          for (let rounds = 0; rounds < 20; rounds++) {
            const claims = (yield* Effect.all(
              Array.makeBy(6, (w) => webhooks.claim(`worker-${w}`, 4, 30_000, now)),
              { concurrency: "unbounded" }
            )).flat()
            if (claims.length === 0) break
            const ids = claims.map((d) => d.id)
            assert.strictEqual(new Set(ids).size, ids.length)
            // At most one delivery of a message is out at a time.
            const messagesOut = claims.map((d) => d.event.messageId)
            assert.strictEqual(new Set(messagesOut).size, messagesOut.length)
            for (const delivery of claims) {
              received.get(delivery.event.messageId!)!.push(delivery.event.id)
              yield* webhooks.record(delivery.id, { at: now, latencyMs: 1, responseStatus: 200 }, { status: "succeeded" })
            }
          }
          assert.deepStrictEqual(received, emitted)
        }))
    })

    describe("JobSignals", () => {
      it.effect("a wait ends at the next signal of its queue, or at its timeout", () =>
        Effect.gen(function*() {
          const signals = yield* Storage.JobSignals
          const waiting = yield* Effect.fork(Effect.timed(signals.wait("dispatch", 20_000)))
          const other = yield* Effect.fork(signals.wait("webhooks", 20_000))
          yield* Effect.sleep("200 millis")
          yield* signals.signal("dispatch")
          const [woken] = yield* Fiber.join(waiting)
          assert.isBelow(Duration.toMillis(woken), 10_000)
          assert.isTrue(Option.isNone(yield* Fiber.poll(other)))
          yield* Fiber.interrupt(other)
          const [timedOut] = yield* Effect.timed(signals.wait("webhooks", 100))
          assert.isAtLeast(Duration.toMillis(timedOut), 90)
        }))
    })
  })
