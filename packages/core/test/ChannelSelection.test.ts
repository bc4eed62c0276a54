import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck } from "effect"
import type { Channel } from "../src/Channel.js"
import { notOnWhatsAppCode, select, type Selection, shouldFallBack } from "../src/ChannelSelection.js"
import { ChannelUnavailable } from "../src/Errors.js"
import type { MessageError } from "../src/MessageStatus.js"

const both: ReadonlyArray<Channel> = ["sms", "whatsapp"]

const unavailable = (result: Either.Either<Selection, ChannelUnavailable>): ChannelUnavailable => {
  if (Either.isRight(result)) assert.fail(`expected ChannelUnavailable, got ${result.right.channel}`)
  assert.instanceOf(result.left, ChannelUnavailable)
  return result.left
}

describe("ChannelSelection.select", () => {
  it("prefers WhatsApp when the contact and the template both allow it, whatever the list order", () => {
    const expected = Either.right<Selection>({ channel: "whatsapp", automatic: true })
    assert.deepStrictEqual(select({ contactChannels: both, templateChannels: both }), expected)
    assert.deepStrictEqual(
      select({ contactChannels: ["whatsapp", "sms"], templateChannels: ["sms", "whatsapp"] }),
      expected
    )
    assert.deepStrictEqual(select({ requested: undefined, contactChannels: both, templateChannels: both }), expected)
  })

  it("picks SMS when the contact has no WhatsApp", () => {
    assert.deepStrictEqual(
      select({ contactChannels: ["sms"], templateChannels: both }),
      Either.right({ channel: "sms", automatic: true })
    )
  })

  it("picks SMS when the template may not go out on WhatsApp", () => {
    assert.deepStrictEqual(
      select({ contactChannels: both, templateChannels: ["sms"] }),
      Either.right({ channel: "sms", automatic: true })
    )
  })

  it("fails with ChannelUnavailable when no channel is allowed by both", () => {
    const error = unavailable(select({ contactChannels: ["whatsapp"], templateChannels: ["sms"] }))
    assert.deepStrictEqual(error.availableChannels, [])
    assert.isUndefined(error.requested)
    assert.strictEqual(error.code, "CHANNEL_UNAVAILABLE")
    unavailable(select({ contactChannels: [], templateChannels: both }))
    unavailable(select({ contactChannels: both, templateChannels: [] }))
  })

  it("honours an explicit channel the contact and the template allow, as a non-automatic choice", () => {
    assert.deepStrictEqual(
      select({ requested: "sms", contactChannels: both, templateChannels: both }),
      Either.right({ channel: "sms", automatic: false })
    )
    assert.deepStrictEqual(
      select({ requested: "whatsapp", contactChannels: both, templateChannels: both }),
      Either.right({ channel: "whatsapp", automatic: false })
    )
  })

  it("refuses an explicit channel the contact cannot receive, naming what is available", () => {
    const error = unavailable(select({ requested: "whatsapp", contactChannels: ["sms"], templateChannels: both }))
    assert.strictEqual(error.requested, "whatsapp")
    assert.deepStrictEqual(error.availableChannels, ["sms"])
    assert.match(error.message, /contact cannot receive whatsapp/)
  })

  it("refuses an explicit channel the template may not use, saying so", () => {
    const error = unavailable(select({ requested: "whatsapp", contactChannels: both, templateChannels: ["sms"] }))
    assert.strictEqual(error.requested, "whatsapp")
    assert.deepStrictEqual(error.availableChannels, ["sms"])
    assert.match(error.message, /template cannot be sent on whatsapp/)
    unavailable(select({ requested: "sms", contactChannels: both, templateChannels: ["whatsapp"] }))
  })

  it.prop(
    "only ever selects a channel both the contact and the template allow, and the requested one if any",
    [
      FastCheck.option(FastCheck.constantFrom<Channel>("sms", "whatsapp"), { nil: undefined }),
      FastCheck.subarray<Channel>(["sms", "whatsapp"]),
      FastCheck.subarray<Channel>(["sms", "whatsapp"])
    ],
    ([requested, contactChannels, templateChannels]) => {
      const usable = both.filter((c) => contactChannels.includes(c) && templateChannels.includes(c))
      const result = select({ requested, contactChannels, templateChannels })
      if (Either.isRight(result)) {
        assert.include(usable, result.right.channel)
        assert.strictEqual(result.right.automatic, requested === undefined)
        if (requested !== undefined) assert.strictEqual(result.right.channel, requested)
        else if (usable.includes("whatsapp")) assert.strictEqual(result.right.channel, "whatsapp")
      } else {
        assert.isTrue(requested === undefined ? usable.length === 0 : !usable.includes(requested))
        assert.deepStrictEqual(new Set(result.left.availableChannels), new Set(usable))
      }
    },
    { fastCheck: { numRuns: 1000 } }
  )
})

describe("ChannelSelection.shouldFallBack", () => {
  const notOnWhatsApp: MessageError = { code: notOnWhatsAppCode, message: "Not a WhatsApp user", permanent: true }
  const otherError: MessageError = { code: "131000", message: "Something went wrong", permanent: true }

  it("uses Meta's 131026 as the not-a-WhatsApp-user code", () => {
    assert.strictEqual(notOnWhatsAppCode, "131026")
  })

  const flags = [true, false] as const
  const table = flags.flatMap((automatic) =>
    (["whatsapp", "sms"] as const).flatMap((channel) =>
      flags.flatMap((notAWhatsAppUser) =>
        flags.flatMap((alreadyFellBack) =>
          flags.map((templateAllowsSms) => ({
            automatic,
            channel,
            notAWhatsAppUser,
            alreadyFellBack,
            templateAllowsSms
          }))
        )
      )
    )
  )

  it.each(table)(
    "automatic=$automatic channel=$channel notAWhatsAppUser=$notAWhatsAppUser " +
      "alreadyFellBack=$alreadyFellBack templateAllowsSms=$templateAllowsSms",
    (row) => {
      const expected =
        row.automatic && row.channel === "whatsapp" && row.notAWhatsAppUser && !row.alreadyFellBack &&
        row.templateAllowsSms
      const actual = shouldFallBack({
        selection: { channel: row.channel, automatic: row.automatic },
        error: row.notAWhatsAppUser ? notOnWhatsApp : otherError,
        alreadyFellBack: row.alreadyFellBack,
        templateChannels: row.templateAllowsSms ? both : ["whatsapp"]
      })
      assert.strictEqual(actual, expected)
    }
  )
})
