import { describe, expect, it } from "@effect/vitest"
import { html } from "../src/index.js"

// The machine running the host may have no internet: the page must not need anything from elsewhere.
describe("dashboard page", () => {
  it("is self-contained: no external scripts, styles, fonts or images", () => {
    expect(html).toMatch(/^<!doctype html>/i)
    expect(html).not.toMatch(/\bsrc\s*=/i)
    expect(html).not.toMatch(/<link\b/i)
    expect(html).not.toMatch(/@import|url\(/i)
    expect(html).not.toMatch(/https?:\/\//i)
  })
})
