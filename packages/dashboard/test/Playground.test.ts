import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ServerProcess } from "@sent/host-server"
import { Effect } from "effect"
import { chromium } from "playwright-core"

// Debian's Chromium; CI installs it (`apt-get install -y chromium`). Locally the test skips without it,
// but on CI a missing browser is a failure, not a silent skip.
const executablePath = "/usr/bin/chromium"
const haveChromium = existsSync(executablePath)
const onCi = process.env.CI === "true"

const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** A fresh browser profile, closed with the scope. */
const browserPage = Effect.gen(function*() {
  const profile = yield* tempDir("sent-chromium-")
  const context = yield* Effect.acquireRelease(
    Effect.promise(() => chromium.launchPersistentContext(profile, { executablePath, args, headless: true, viewport: { width: 1360, height: 900 } })),
    (context) => Effect.promise(() => context.close())
  )
  return context.pages()[0] ?? (yield* Effect.promise(() => context.newPage()))
})

describe("dashboard playground (browser)", () => {
  it.scopedLive.runIf(haveChromium || onCi)(
    "paste the demo key, pick the template, fill its variable, see the preview, send, and follow it to delivered",
    () =>
      Effect.gen(function*() {
        expect(haveChromium, `${executablePath} is required on CI`).toBe(true)
        const dir = yield* tempDir("sent-dashboard-")
        const server = yield* ServerProcess.start({ cwd: dir, env: { SENT_DB: join(dir, "sent.db") } })
        const page = yield* browserPage
        const step = <A>(f: () => Promise<A>) => Effect.promise(f)

        const requested: Array<string> = []
        page.on("request", (request) => requested.push(request.url()))
        yield* step(() => page.goto(server.url + "/"))
        yield* step(() => page.fill("#api-key", server.demoApiKey!))
        yield* step(() => page.click("#connect"))
        yield* step(() => page.locator("#balance").filter({ hasText: "$10.00 USD" }).waitFor())

        yield* step(() => page.selectOption("#template", { label: "welcome" }))
        yield* step(() => page.fill("#var-name", "Grace"))
        const preview = page.locator("#preview-body")
        yield* step(() => preview.filter({ hasText: "Hi Grace, welcome to Sent!" }).waitFor())
        // The demo contact has WhatsApp, so the preview shows the channel a send would pick.
        expect(yield* step(() => page.textContent("#preview-channel"))).toBe("WhatsApp")
        expect(yield* step(() => page.textContent("#preview-segments"))).toBe("1")
        expect(yield* step(() => page.textContent("#preview-encoding"))).toBe("GSM-7")
        expect(yield* step(() => page.textContent("#preview-price"))).toMatch(/^\$0\.\d+ USD$/)

        expect(yield* step(() => page.isEnabled("#send"))).toBe(true)
        yield* step(() => page.click("#send"))
        yield* step(() => page.locator("#send-result").filter({ hasText: "Queued message" }).waitFor())

        const delivered = page.locator("#timeline li").filter({ hasText: "delivered" })
        yield* step(() => delivered.waitFor({ timeout: 15_000 }))
        yield* step(() => page.locator("#messages li[data-status='read']").waitFor({ timeout: 15_000 }))
        expect(yield* step(() => page.locator("#detail").getAttribute("data-status"))).toBe("read")
        expect(yield* step(() => page.locator("#balance").textContent())).not.toBe("$10.00 USD")

        // One click to a new phone number; ending 07 is accepted, then fails undelivered: the error shows.
        yield* step(() => page.click("#to-phone"))
        yield* step(() => page.fill("#phone", "+14155550107"))
        yield* step(() => page.click("#send"))
        yield* step(() => page.locator("#detail[data-status='failed']").waitFor({ timeout: 15_000 }))
        expect(yield* step(() => page.locator("#detail .notice.error").textContent())).toMatch(/\(permanent\)$/)
        expect(yield* step(() => page.locator("#messages li").count())).toBe(2)
        yield* step(() => page.locator("#contact option").filter({ hasText: "+14155550107" }).waitFor({ state: "attached" }))

        // Everything the page fetched came from the server it was served by.
        expect(requested.filter((url) => !url.startsWith(server.url + "/"))).toEqual([])
        expect(requested).toContain(server.url + "/v1/balance")

        const screenshot = join(tmpdir(), "sent-playground.png")
        yield* step(() => page.screenshot({ path: screenshot, fullPage: true }))
        yield* Effect.log(`Screenshot: ${screenshot}`)
      }),
    60_000
  )
})
