import { assert, describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { SegmentedMessage } from "sms-segments-calculator"
import { segment } from "../src/SmsEncoding.js"

const gsm = "a"
const ucs2 = "中"

describe("SmsEncoding.segment", () => {
  it.each([
    { length: 1, segments: 1 },
    { length: 160, segments: 1 },
    { length: 161, segments: 2 },
    { length: 306, segments: 2 },
    { length: 307, segments: 3 },
    { length: 459, segments: 3 },
    { length: 460, segments: 4 }
  ])("GSM-7: $length characters take $segments segment(s) (160, then 153 per part)", ({ length, segments }) => {
    assert.deepStrictEqual(segment(gsm.repeat(length)), { encoding: "GSM-7", segments })
  })

  it.each([
    { length: 1, segments: 1 },
    { length: 70, segments: 1 },
    { length: 71, segments: 2 },
    { length: 134, segments: 2 },
    { length: 135, segments: 3 },
    { length: 201, segments: 3 },
    { length: 202, segments: 4 }
  ])("UCS-2: $length characters take $segments segment(s) (70, then 67 per part)", ({ length, segments }) => {
    assert.deepStrictEqual(segment(ucs2.repeat(length)), { encoding: "UCS-2", segments })
  })

  it("takes one GSM-7 segment for an empty body", () => {
    assert.deepStrictEqual(segment(""), { encoding: "GSM-7", segments: 1 })
  })

  it("keeps GSM-7 for the accented letters of the GSM alphabet", () => {
    assert.deepStrictEqual(segment("é".repeat(160)), { encoding: "GSM-7", segments: 1 })
    assert.deepStrictEqual(segment("Ünicödé? Nö: Ñ, à, è, Ø, Å, ß, £, ¥, §, ¿, ¡"), { encoding: "GSM-7", segments: 1 })
  })

  it("counts GSM-7 extension characters (€, [, ]) as two", () => {
    assert.deepStrictEqual(segment("€".repeat(80)), { encoding: "GSM-7", segments: 1 })
    assert.deepStrictEqual(segment("€".repeat(81)), { encoding: "GSM-7", segments: 2 })
    assert.deepStrictEqual(segment(`${gsm.repeat(159)}[`), { encoding: "GSM-7", segments: 2 })
  })

  it("switches the whole body to UCS-2 for one character outside GSM-7", () => {
    assert.deepStrictEqual(segment(`${gsm.repeat(69)}${ucs2}`), { encoding: "UCS-2", segments: 1 })
    assert.deepStrictEqual(segment(`${gsm.repeat(70)}${ucs2}`), { encoding: "UCS-2", segments: 2 })
    assert.deepStrictEqual(segment("ç"), { encoding: "UCS-2", segments: 1 })
  })

  it("counts an emoji as two UCS-2 units", () => {
    assert.deepStrictEqual(segment("😀".repeat(35)), { encoding: "UCS-2", segments: 1 })
    assert.deepStrictEqual(segment("😀".repeat(36)), { encoding: "UCS-2", segments: 2 })
  })
})

describe("the plain-text shortcut", () => {
  const plainCharacters = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 \n\r!\"#$%&'()*+,-./:;<=>?@_"]
  it.prop(
    "agrees with the calculator on every body of GSM-7 basic-table ASCII",
    [FastCheck.array(FastCheck.constantFrom(...plainCharacters), { maxLength: 480 }).map((chars) => chars.join(""))],
    ([body]) => {
      const message = new SegmentedMessage(body)
      expect(segment(body)).toEqual({
        encoding: message.encodingName,
        segments: Math.max(1, message.segmentsCount)
      })
    },
    { fastCheck: { numRuns: 1000 } }
  )
})
