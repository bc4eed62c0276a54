/**
 * The start-up banner: where the server listens and, once only, the secrets an operator needs on a first
 * start (a generated operator key, the demo customer's API key) with a ready-to-paste `curl` send. It goes
 * to stdout as plain text, apart from the structured logs, which never carry secrets.
 */
import { Money } from "@sent/core"
import { type Demo, demoCredit } from "./Seed.js"

/** What the banner shows. */
export interface BannerInput {
  readonly url: string
  /** Set only when the key was generated at this start. */
  readonly generatedAdminKey?: string | undefined
  readonly demo?: Demo | undefined
}

const rule = "─".repeat(78)

/** The banner's text. */
export const render = ({ url, generatedAdminKey, demo }: BannerInput): string => {
  const lines = [
    rule,
    ` Sent is running at ${url}`,
    `   Playground   ${url}/`,
    `   API docs     ${url}/docs   (OpenAPI: ${url}/openapi.json)`
  ]
  if (generatedAdminKey !== undefined) {
    lines.push(
      "",
      " Operator key (x-admin-key), generated for this run only — set SENT_ADMIN_KEY to keep one:",
      `   ${generatedAdminKey}`
    )
  }
  if (demo !== undefined) {
    const body = JSON.stringify({
      contactId: demo.contact.id,
      templateId: demo.template.id,
      templateVariables: { name: demo.contact.name ?? "there" }
    })
    lines.push(
      "",
      ` Demo customer seeded with ${Money.toDecimal(demoCredit)} USD. Its API key (shown once — paste it into the playground):`,
      `   ${demo.apiKey}`,
      "",
      ` Send "${demo.template.name}" to ${demo.contact.name ?? "the demo contact"} (${demo.contact.phoneNumber}):`,
      `   curl -s -X POST ${url}/v1/messages \\`,
      `     -H 'x-api-key: ${demo.apiKey}' -H 'content-type: application/json' \\`,
      `     -d '${body}'`
    )
  }
  lines.push(rule)
  return lines.join("\n")
}

/** The URL clients use for a listening address: a wildcard address is reached through loopback. */
export const urlOf = (hostname: string, port: number): string => {
  const host = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname.includes(":") ? `[${hostname}]` : hostname
  return `http://${host}:${port}`
}
