/**
 * A dispatch worker process for the crash test: runs Sent's workers over an SQLite file with the simulated
 * provider behind a slow, counting wrapper (every send the provider accepted is appended to a log), so a
 * parent can kill it mid-work and count duplicate provider sends.
 * Usage: dispatchWorker.ts <database file> <send log file> <send latency ms> <lease ms>
 */
import { appendFileSync } from "node:fs"
import { Provider } from "@sent/core"
import { Simulated } from "@sent/providers"
import { Sqlite } from "@sent/sql"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as SentLayer from "../../src/SentLayer.js"

const [filename, sendLog, latency, lease] = process.argv.slice(2) as [string, string, string, string]

const countingProviders = Layer.effect(
  Provider.Providers,
  Effect.map(Provider.Providers, (inner) => {
    const wrap = (provider: Provider.ChannelProvider): Provider.ChannelProvider => ({
      name: provider.name,
      send: (request) =>
        Effect.sleep(Number(latency)).pipe(
          Effect.zipRight(provider.send(request)),
          Effect.tap(() => Effect.sync(() => appendFileSync(sendLog, `${request.messageId}\n`)))
        )
    })
    return Provider.Providers.of({ ...inner, sms: wrap(inner.sms), whatsapp: wrap(inner.whatsapp) })
  })
).pipe(Layer.provide(Simulated.layer({ delayMillis: 0 })))

const main = SentLayer.layer(Sqlite.layer({ filename }), countingProviders, {
  dispatcher: { concurrency: 8, leaseMillis: Number(lease), baseDelayMillis: 20 }
})

NodeRuntime.runMain(Layer.launch(main))
