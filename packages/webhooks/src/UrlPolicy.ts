/**
 * Which webhook URLs Sent may call: http(s) only, no credentials in the URL, and, unless the host allows
 * it, no target that is or resolves to a loopback, private, link-local, unspecified or otherwise
 * non-public address (IPv4 and IPv6, IPv4-mapped included). Checked when an endpoint is created and again
 * on every new connection, on the address actually dialled, so a name re-pointed later (DNS rebinding)
 * cannot reach the inside either.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns"
import { isIP, type LookupFunction } from "node:net"
import { Errors } from "@sent/core"
import { Config, Context, Effect, Layer } from "effect"

/** Whether webhook URLs may point at private and loopback addresses (local use and tests). */
export class UrlPolicy extends Context.Tag("@sent/webhooks/UrlPolicy")<
  UrlPolicy,
  { readonly allowPrivate: boolean }
>() {}

/** A fixed policy. */
export const layer = (options: { readonly allowPrivate: boolean }): Layer.Layer<UrlPolicy> =>
  Layer.succeed(UrlPolicy, UrlPolicy.of(options))

/** The policy from `SENT_ALLOW_PRIVATE_WEBHOOKS` (`1`/`true` allows; off by default). */
export const layerConfig: Layer.Layer<UrlPolicy> = Layer.effect(
  UrlPolicy,
  Effect.map(
    Effect.orDie(Config.withDefault(Config.boolean("SENT_ALLOW_PRIVATE_WEBHOOKS"), false)),
    (allowPrivate) => UrlPolicy.of({ allowPrivate })
  )
)

const parseIPv4 = (address: string): ReadonlyArray<number> | undefined => {
  const parts = address.split(".")
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined
  return parts.map(Number)
}

/** The eight 16-bit groups of an IPv6 address (embedded dotted IPv4 and zone ids allowed). */
const parseIPv6 = (input: string): ReadonlyArray<number> | undefined => {
  let address = input.replace(/^\[|\]$/g, "").replace(/%.*$/, "")
  const lastColon = address.lastIndexOf(":")
  if (address.includes(".", lastColon)) {
    const v4 = parseIPv4(address.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    address = `${address.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`
  }
  const halves = address.split("::")
  if (halves.length > 2) return undefined
  const groups = (half: string) => (half === "" ? [] : half.split(":"))
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail]
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined
  return all.map((g) => parseInt(g, 16))
}

const inV4 = (ip: ReadonlyArray<number>, base: ReadonlyArray<number>, bits: number): boolean => {
  const value = (a: ReadonlyArray<number>) => ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  return ((value(ip) & mask) >>> 0) === ((value(base) & mask) >>> 0)
}

// Everything that is not a publicly routable unicast address.
const forbiddenV4: ReadonlyArray<readonly [ReadonlyArray<number>, number]> = [
  [[0, 0, 0, 0], 8], // "this network", incl. the unspecified 0.0.0.0
  [[10, 0, 0, 0], 8],
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8],
  [[169, 254, 0, 0], 16], // link-local, incl. cloud metadata services
  [[172, 16, 0, 0], 12],
  [[192, 0, 0, 0], 24],
  [[192, 168, 0, 0], 16],
  [[198, 18, 0, 0], 15],
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4] // reserved, incl. broadcast
]

const isForbiddenV4 = (ip: ReadonlyArray<number>): boolean => forbiddenV4.some(([base, bits]) => inV4(ip, base, bits))

const embeddedV4 = (g: ReadonlyArray<number>, at: number): ReadonlyArray<number> => [
  g[at]! >> 8,
  g[at]! & 0xff,
  g[at + 1]! >> 8,
  g[at + 1]! & 0xff
]

const isForbiddenV6 = (g: ReadonlyArray<number>): boolean => {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  if (zeros(0, 8)) return true // ::
  if (zeros(0, 7) && g[7] === 1) return true // ::1
  if (zeros(0, 5) && g[5] === 0xffff) return isForbiddenV4(embeddedV4(g, 6)) // IPv4-mapped
  if (zeros(0, 6)) return true // IPv4-compatible (deprecated), never public
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return isForbiddenV4(embeddedV4(g, 6)) // NAT64
  if (g[0] === 0x2002) return isForbiddenV4(embeddedV4(g, 1)) // 6to4
  const first = g[0]!
  return (
    (first & 0xfe00) === 0xfc00 || // unique local
    (first & 0xffc0) === 0xfe80 || // link-local
    (first & 0xffc0) === 0xfec0 || // site-local (deprecated)
    (first & 0xff00) === 0xff00 || // multicast
    (first === 0x100 && zeros(1, 4)) // discard-only
  )
}

/** Whether an IP address (v4 or v6 text) is one webhooks must not reach; anything unparsable is. */
export const isForbiddenAddress = (address: string): boolean => {
  const v4 = parseIPv4(address)
  if (v4 !== undefined) return isForbiddenV4(v4)
  const v6 = parseIPv6(address)
  return v6 === undefined ? true : isForbiddenV6(v6)
}

const forbidden = (url: string, reason: string) =>
  new Errors.WebhookUrlForbidden({ message: `The webhook URL is not allowed: ${reason}`, url })

/** The checks that need no DNS: scheme, credentials, and an IP-literal host. */
export const checkSyntax = (url: string, allowPrivate: boolean): Effect.Effect<URL, Errors.WebhookUrlForbidden> =>
  Effect.suspend(() => {
    if (!URL.canParse(url)) return Effect.fail(forbidden(url, "it is not a valid absolute URL"))
    const parsed = new URL(url)
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return Effect.fail(forbidden(url, "only http and https are allowed"))
    }
    if (parsed.username !== "" || parsed.password !== "") {
      return Effect.fail(forbidden(url, "credentials in the URL are not allowed"))
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, "")
    if (!allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) {
      return Effect.fail(forbidden(url, "the host is a private, loopback or reserved address"))
    }
    return Effect.succeed(parsed)
  })

const resolveAll = (hostname: string) =>
  Effect.async<ReadonlyArray<LookupAddress>, NodeJS.ErrnoException>((resume) => {
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      resume(error ? Effect.fail(error) : Effect.succeed(addresses))
    )
  })

/**
 * Checks a URL an endpoint is created with. A host name is resolved and refused when any of its
 * addresses is forbidden; a name that does not resolve (yet) is accepted, since every connection is
 * checked again when it is made.
 */
export const check = (url: string): Effect.Effect<URL, Errors.WebhookUrlForbidden, UrlPolicy> =>
  Effect.gen(function* () {
    const { allowPrivate } = yield* UrlPolicy
    const parsed = yield* checkSyntax(url, allowPrivate)
    const host = parsed.hostname.replace(/^\[|\]$/g, "")
    if (allowPrivate || isIP(host) !== 0) return parsed
    const addresses = yield* resolveAll(host).pipe(Effect.orElseSucceed((): ReadonlyArray<LookupAddress> => []))
    if (addresses.some((a) => isForbiddenAddress(a.address))) {
      return yield* forbidden(url, "the host resolves to a private, loopback or reserved address")
    }
    return parsed
  })

/** The error a connection attempt to a forbidden address fails with. */
export class ForbiddenAddressError extends Error {
  readonly code = "EWEBHOOKFORBIDDEN"
  constructor(readonly hostname: string) {
    super(`${hostname} resolves to a private, loopback or reserved address`)
  }
}

/** A `lookup` for `node:http` that refuses to connect when the name resolves to a forbidden address. */
export const checkedLookup: LookupFunction = (hostname, options: LookupOptions, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "", undefined)
    if (addresses.length === 0 || addresses.some((a) => isForbiddenAddress(a.address))) {
      return callback(new ForbiddenAddressError(hostname), "", undefined)
    }
    if (options.all === true) {
      return (callback as unknown as (e: null, all: ReadonlyArray<LookupAddress>) => void)(null, addresses)
    }
    return callback(null, addresses[0]!.address, addresses[0]!.family)
  })
}
