/**
 * The HTTP client of deliveries: `node:http`/`https` over keep-alive agents (measured here about 3× the
 * throughput of the global `fetch`), a deadline for the whole exchange, redirects never followed (a 3xx is
 * just a status), the response body drained and discarded, and every new connection's address checked
 * against the URL policy.
 */
import * as Http from "node:http"
import * as Https from "node:https"
import { performance } from "node:perf_hooks"
import { urlToHttpOptions } from "node:url"
import { Context, Data, Duration, Effect, Layer, type Scope } from "effect"
import { checkedLookup, checkSyntax, UrlPolicy } from "./UrlPolicy.js"

/** One POST to make. */
export interface Request {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** What the receiver answered (any status, 2xx or not), and how long the exchange took. */
export interface Response {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly latencyMs: number
}

/** A delivery attempt that got no HTTP response; `message` is safe to log and show in the delivery log. */
export class SendError extends Data.TaggedError("SendError")<{
  readonly kind: "Timeout" | "Connection" | "Forbidden"
  readonly message: string
  readonly latencyMs: number
}> {}

/** Sends webhook POSTs. */
export class Sender extends Context.Tag("@sent/webhooks/Sender")<
  Sender,
  { readonly send: (request: Request) => Effect.Effect<Response, SendError> }
>() {}

/** How the sender behaves. */
export interface Options {
  /** The deadline of one whole attempt: connecting, sending, and reading the response. */
  readonly timeout: Duration.DurationInput
}

/** Deliveries time out after 15 seconds by default. */
export const defaultOptions: Options = { timeout: Duration.seconds(15) }

const userAgent = "Sent-Webhooks/0.1"

/** How many endpoint URLs' request options are kept. */
const maxTargets = 1024

/** Where the POSTs to one URL go: the module and the request options, worked out from the URL. */
interface Target {
  readonly module: typeof Http | typeof Https
  readonly options: Http.RequestOptions
}

/** A sender with its own connection pools, closed with the layer's scope. */
export const make = (options: Options): Effect.Effect<Sender["Type"], never, UrlPolicy | Scope.Scope> =>
  Effect.gen(function* () {
    const { allowPrivate } = yield* UrlPolicy
    const timeoutMillis = Duration.toMillis(options.timeout)
    const httpAgent = yield* Effect.acquireRelease(
      Effect.sync(() => new Http.Agent({ keepAlive: true })),
      (agent) => Effect.sync(() => agent.destroy())
    )
    const httpsAgent = yield* Effect.acquireRelease(
      Effect.sync(() => new Https.Agent({ keepAlive: true })),
      (agent) => Effect.sync(() => agent.destroy())
    )
    const lookup = allowPrivate ? {} : { lookup: checkedLookup }

    // An endpoint's URL is posted to again and again: it is checked and turned into request options once.
    // Bounded, since URLs come and go with endpoints.
    const targets = new Map<string, Target>()
    const target = (url: string): Effect.Effect<Target, SendError> =>
      checkSyntax(url, allowPrivate).pipe(
        Effect.mapError((error) => new SendError({ kind: "Forbidden", message: error.message, latencyMs: 0 })),
        Effect.map((parsed) => {
          const isHttps = parsed.protocol === "https:"
          const made: Target = {
            module: isHttps ? Https : Http,
            options: { ...urlToHttpOptions(parsed), method: "POST", agent: isHttps ? httpsAgent : httpAgent, ...lookup }
          }
          if (targets.size >= maxTargets) targets.clear()
          targets.set(url, made)
          return made
        })
      )

    const post = ({ module, options }: Target, request: Request) =>
      Effect.async<Response, SendError>((resume) => {
        const started = performance.now()
        const latency = () => Math.round((performance.now() - started) * 100) / 100
        let settled = false
        const fail = (kind: SendError["kind"], message: string) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resume(Effect.fail(new SendError({ kind, message, latencyMs: latency() })))
        }
        const req = module.request({
          ...options,
          headers: {
            ...request.headers,
            "content-length": String(Buffer.byteLength(request.body)),
            "user-agent": userAgent
          }
        })
        const timer = setTimeout(() => {
          fail("Timeout", `No response within ${timeoutMillis} ms`)
          req.destroy()
        }, timeoutMillis)
        req.on("error", (error: NodeJS.ErrnoException) =>
          fail(error.code === "EWEBHOOKFORBIDDEN" ? "Forbidden" : "Connection", error.message)
        )
        req.on("response", (res) => {
          res.on("error", (error) => fail("Connection", error.message))
          res.on("end", () => {
            if (settled) return
            settled = true
            clearTimeout(timer)
            const retryAfter = res.headers["retry-after"]
            resume(Effect.succeed({ status: res.statusCode ?? 0, retryAfter, latencyMs: latency() }))
          })
          res.resume()
        })
        req.end(request.body)
        return Effect.sync(() => {
          settled = true
          clearTimeout(timer)
          req.destroy()
        })
      })

    const send = (request: Request): Effect.Effect<Response, SendError> => {
      const known = targets.get(request.url)
      return known !== undefined ? post(known, request) : Effect.flatMap(target(request.url), (found) => post(found, request))
    }

    return Sender.of({ send })
  })

/** The sender as a layer. */
export const layer = (options: Options = defaultOptions): Layer.Layer<Sender, never, UrlPolicy> =>
  Layer.scoped(Sender, make(options))
