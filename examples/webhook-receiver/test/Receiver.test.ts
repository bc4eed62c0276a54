import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Signature } from "@sent/webhooks"
import { Effect } from "effect"
import { Webhook } from "standardwebhooks"
import { handler, type ReceivedEvent } from "../src/Receiver.js"

const serve = (secrets: ReadonlyArray<string>, events: Array<ReceivedEvent>) =>
  Effect.acquireRelease(
    Effect.async<Http.Server>((resume) => {
      const server = Http.createServer(handler({ secrets, onEvent: (event) => events.push(event) }))
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
  ).pipe(Effect.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/`))

const post = (url: string, headers: Record<string, string>, body: string) =>
  Effect.promise(() => fetch(url, { method: "POST", headers, body }).then((response) => response.status))

describe("example webhook receiver", () => {
  it.live("accepts deliveries signed by Sent or by the standardwebhooks package, and refuses others", () =>
    Effect.gen(function* () {
      const secret = yield* Signature.generateSecret
      const events: Array<ReceivedEvent> = []
      const url = yield* serve([secret], events)
      const body = JSON.stringify({ id: "evt_1", type: "webhook.test", timestamp: new Date().toISOString(), data: { webhookId: "w" } })
      const now = new Date()
      const seconds = String(Math.floor(now.getTime() / 1000))
      const signedBySent = Signature.headers([secret], "evt_1", Number(seconds), body)
      const signedByLibrary = {
        "webhook-id": "evt_2",
        "webhook-timestamp": seconds,
        "webhook-signature": new Webhook(secret).sign("evt_2", now, body)
      }
      expect(yield* post(url, signedBySent, body)).toBe(204)
      expect(yield* post(url, signedByLibrary, body)).toBe(204)
      expect(yield* post(url, { ...signedBySent, "webhook-id": "evt_3" }, body)).toBe(401)
      expect(yield* post(url, signedBySent, body.replace("evt_1", "evt_9"))).toBe(401)
      expect(events.map((e) => e.webhookId)).toEqual(["evt_1", "evt_2"])
      expect(events[0]!.payload).toEqual(JSON.parse(body))
    }).pipe(Effect.scoped))
})
