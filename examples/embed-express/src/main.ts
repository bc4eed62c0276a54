/**
 * Runs the shop (`npm start -w @sent/embed-express`) on `PORT` (default 3100) with Sent on an in-memory
 * SQLite database and the simulated providers (`SENT_PROVIDER=live` for the real ones).
 */
import { randomBytes } from "node:crypto"
import { Money } from "@sent/core"
import * as Shop from "./Shop.js"

const port = Number(process.env.PORT ?? 3100)
const adminKey = process.env.SENT_ADMIN_KEY ?? `sent_admin_${randomBytes(32).toString("base64url")}`

const shop = await Shop.create({
  // A real service passes a file (`{ sqlite: "./data/sent.db" }`) or `{ postgres: url }`.
  sent: { database: { sqlite: ":memory:" }, providers: process.env.SENT_PROVIDER === "live" ? "live" : "simulated" },
  adminKey,
  credit: Money.micros(20_000_000)
})

const server = shop.app.listen(port, "127.0.0.1", () => {
  const url = `http://127.0.0.1:${port}`
  console.log(
    [
      `Corner Shop listening on ${url}`,
      `  Ship an order:      curl -s -X POST ${url}/orders/A-1001/shipped -H 'content-type: application/json' -d '{"customerName":"Ada","phoneNumber":"+14155550123"}'`,
      `  Its notification:   curl -s ${url}/orders/A-1001/notification`,
      `  Sent's API:         ${url}/sent/docs  (x-api-key: ${shop.apiKey})`,
      ...(process.env.SENT_ADMIN_KEY === undefined ? [`  Operator key:       ${adminKey}`] : [])
    ].join("\n")
  )
})

const stop = () => {
  server.close(() => {
    shop.close().then(() => process.exit(0), () => process.exit(1))
  })
  server.closeIdleConnections()
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
