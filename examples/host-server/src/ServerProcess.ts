/**
 * The host server as a child process, the way an operator runs it: started with an environment on a free
 * port and ready once it prints its banner. For black-box tests (here and in the dashboard's browser test).
 */
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Data, Duration, Effect, type Scope } from "effect"

/** The server did not come up; `output` is everything it printed. */
export class StartFailed extends Data.TaggedError("StartFailed")<{ readonly reason: string; readonly output: string }> {}

/** How the process ended. */
export interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** From the signal to the exit. */
  readonly millis: number
}

/** A started server. */
export interface Running {
  readonly url: string
  readonly pid: number
  /** Everything printed so far, stdout and stderr together. */
  readonly output: () => string
  /** The demo customer's API key, when this start seeded the demo. */
  readonly demoApiKey: string | undefined
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  readonly stop: (signal?: NodeJS.Signals) => Effect.Effect<Exited>
}

const mainFile = fileURLToPath(new URL("./main.ts", import.meta.url))
// An absolute loader URL, so the child may run in any directory (tests use a temporary one).
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** A port nobody listens on right now. */
export const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const probe = createServer()
  probe.listen(0, "127.0.0.1", () => {
    const address = probe.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    probe.close(() => resume(Effect.succeed(port)))
  })
})

/**
 * Starts the server in `cwd` with `env` added to this process's environment (and `PORT` set to a free
 * port unless given). The scope kills it if it is still running.
 */
export const start = (options: {
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string
  readonly timeout?: Duration.DurationInput | undefined
}): Effect.Effect<Running, StartFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const port = options.env.PORT ?? String(yield* freePort)
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, ["--import", tsxLoader, mainFile], {
          cwd: options.cwd,
          env: { ...process.env, HOST: "127.0.0.1", ...options.env, PORT: port },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) =>
        Effect.sync(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
        })
    )
    let output = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal }))
    )

    const url = yield* Effect.async<string, StartFailed>((resume) => {
      const check = () => {
        const match = /Sent is running at (http:\/\/\S+)/.exec(output)
        if (match !== null && output.includes("─".repeat(78), match.index)) {
          done()
          resume(Effect.succeed(match[1]!))
        }
      }
      const onExit = (code: number | null) => {
        done()
        resume(Effect.fail(new StartFailed({ reason: `exited with ${code}`, output })))
      }
      const done = () => {
        child.stdout.off("data", check)
        child.off("exit", onExit)
      }
      child.stdout.on("data", check)
      child.once("exit", onExit)
      check()
      return Effect.sync(done)
    }).pipe(
      Effect.timeoutFail({
        duration: options.timeout ?? Duration.seconds(60),
        onTimeout: () => new StartFailed({ reason: "no banner in time", output })
      })
    )

    const demoApiKey = /API key \(shown once[^\n]*\n\s+(sent_\S+)/.exec(output)?.[1]
    return {
      url,
      pid: child.pid!,
      output: () => output,
      demoApiKey,
      stop: (signal = "SIGTERM") =>
        Effect.promise(async () => {
          const started = Date.now()
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          const { code, signal: by } = await exited
          return { code, signal: by, millis: Date.now() - started }
        })
    }
  })
