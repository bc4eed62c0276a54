import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import { UrlPolicy } from "../src/index.js"

const outcome = (url: string, allowPrivate = false) =>
  UrlPolicy.check(url).pipe(
    Effect.provide(UrlPolicy.layer({ allowPrivate })),
    Effect.either,
    Effect.map(Either.match({ onLeft: (e) => e.code, onRight: () => "ok" }))
  )

describe("UrlPolicy", () => {
  it("classifies addresses: private, loopback, link-local, unspecified and mapped ones are forbidden", () => {
    const forbidden = [
      "127.0.0.1", "127.255.1.2", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
      "0.0.0.0", "100.64.0.1", "224.0.0.1", "255.255.255.255", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1",
      "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::", "ff02::1",
      "fe80::1%eth0", "not an address"
    ]
    const allowed = ["8.8.8.8", "1.1.1.1", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "2001:db8::1"]
    expect(forbidden.filter((a) => !UrlPolicy.isForbiddenAddress(a))).toEqual([])
    expect(allowed.filter((a) => UrlPolicy.isForbiddenAddress(a))).toEqual([])
  })

  it.effect("refuses other schemes, credentials, and private targets (also in disguise)", () =>
    Effect.gen(function* () {
      const forbidden = [
        "ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "not a url",
        "https://user:pass@example.com/hook", "https://user@example.com/hook",
        "http://127.0.0.1:8080/hook", "http://localhost:3000/hook", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/",
        "http://2130706433/", "http://0x7f.1/", "http://10.0.0.8/", "http://169.254.169.254/latest/meta-data"
      ]
      for (const url of forbidden) expect([url, yield* outcome(url)]).toEqual([url, "WEBHOOK_URL_FORBIDDEN"])
      expect(yield* outcome("https://8.8.8.8/hook")).toBe("ok")
      expect(yield* outcome("https://[2606:4700::1111]/hook")).toBe("ok")
    }))

  it.effect("allows private targets when the host allows them, but never other schemes or credentials", () =>
    Effect.gen(function* () {
      expect(yield* outcome("http://127.0.0.1:8080/hook", true)).toBe("ok")
      expect(yield* outcome("http://localhost:3000/hook", true)).toBe("ok")
      expect(yield* outcome("ftp://127.0.0.1/", true)).toBe("WEBHOOK_URL_FORBIDDEN")
      expect(yield* outcome("http://a:b@127.0.0.1/", true)).toBe("WEBHOOK_URL_FORBIDDEN")
    }))

  it.effect("reads SENT_ALLOW_PRIVATE_WEBHOOKS, off by default", () =>
    Effect.gen(function* () {
      const read = (env: Record<string, string>) =>
        Effect.map(UrlPolicy.UrlPolicy, (p) => p.allowPrivate).pipe(
          Effect.provide(UrlPolicy.layerConfig),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
        )
      expect(yield* read({})).toBe(false)
      expect(yield* read({ SENT_ALLOW_PRIVATE_WEBHOOKS: "1" })).toBe(true)
      expect(yield* read({ SENT_ALLOW_PRIVATE_WEBHOOKS: "0" })).toBe(false)
    }))
})
