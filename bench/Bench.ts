/** The benchmark contract: each module measures its figures beside a baseline measured in the same run. */
import { randomUUID } from "node:crypto"
import Database from "better-sqlite3"

/** One measured figure, with the baseline it is compared to and the ratio it must reach. */
export interface BenchRow {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly baseline?: { readonly name: string; readonly value: number } | undefined
  /** The minimum `value / baseline.value` this figure is held to. */
  readonly target?: number | undefined
  readonly notes?: string | undefined
}

/** A benchmark module's default export. */
export interface Benchmark {
  readonly name: string
  readonly run: () => Promise<ReadonlyArray<BenchRow>>
}

/** Runs `fn` for `count` iterations with `concurrency` callers at once; returns operations per second. */
export const throughput = async (count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> => {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++)
    })
  )
  return count / ((performance.now() - started) / 1000)
}

/** The p-th percentile (0–100) of some samples. */
export const percentile = (samples: ReadonlyArray<number>, p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

/** The median of some samples (the mean of the middle two of an even count). */
export const median = (samples: ReadonlyArray<number>): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * The storage baseline: raw better-sqlite3, WAL, one single-row insert per transaction — the median of
 * three rounds on fresh files (`<prefix>-<round>.db`), as one short round varies by a third from run to run.
 */
export const rawInsertsPerSecond = (prefix: string, count: number): number =>
  median([0, 1, 2].map((round) => rawInsertRound(`${prefix}-${round}.db`, count)))

const rawInsertRound = (filename: string, count: number): number => {
  const db = new Database(filename)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = NORMAL")
  db.exec(
    "CREATE TABLE messages (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, price INTEGER NOT NULL, created_at INTEGER NOT NULL)"
  )
  const insert = db.prepare("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)")
  const once = db.transaction((i: number) => insert.run(randomUUID(), "c", `Your code is ${i}`, "queued", 7500, Date.now()))
  const started = performance.now()
  for (let i = 0; i < count; i++) once(i)
  const rate = count / ((performance.now() - started) / 1000)
  db.close()
  return rate
}
