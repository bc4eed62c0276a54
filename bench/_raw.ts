/** The shared baseline: raw better-sqlite3, WAL, one single-row insert per transaction. */
import { randomUUID } from "node:crypto"
import Database from "better-sqlite3"

/** Inserts per second, each in its own transaction, into a fresh file. */
export const rawInsertsPerSecond = (filename: string, count: number): number => {
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
