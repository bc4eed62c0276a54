/**
 * Runs the example receiver: `WEBHOOK_SECRETS=whsec_…[,whsec_…] PORT=4000 npm start -w @sent/webhook-receiver`.
 * Each verified event is printed as one JSON line; `QUIET=1` counts them instead (for benchmarks).
 */
import { createServer } from "node:http"
import { handler } from "./Receiver.js"

const secrets = (process.env.WEBHOOK_SECRETS ?? "").split(",").filter((s) => s !== "")
if (secrets.length === 0) {
  console.error("Set WEBHOOK_SECRETS to the endpoint's secret (whsec_…); several may be given, comma separated.")
  process.exit(1)
}
const quiet = process.env.QUIET === "1"
let received = 0

const server = createServer(
  { keepAliveTimeout: 60_000 },
  handler({
    secrets,
    onEvent: (event) => {
      received++
      if (!quiet) {
        console.log(JSON.stringify({ webhookId: event.webhookId, timestamp: event.timestamp, payload: event.payload }))
      }
    },
    onRejected: (reason) => console.error(`rejected a delivery: ${reason}`)
  })
)

server.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? "127.0.0.1", () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : address
  // The first line tells a parent process (tests, benchmarks) where to send.
  console.log(JSON.stringify({ listening: port }))
})

process.on("SIGTERM", () => {
  if (quiet) console.log(JSON.stringify({ received }))
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
