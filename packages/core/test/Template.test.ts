import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck } from "effect"
import { TemplateVariablesMissing } from "../src/Errors.js"
import { positionalParameters, render, variablesOf } from "../src/Template.js"

const missingOf = (result: Either.Either<string, TemplateVariablesMissing>): ReadonlyArray<string> => {
  if (Either.isRight(result)) assert.fail(`expected TemplateVariablesMissing, rendered ${JSON.stringify(result.right)}`)
  assert.instanceOf(result.left, TemplateVariablesMissing)
  assert.strictEqual(result.left.code, "TEMPLATE_VARIABLES_MISSING")
  return result.left.missing
}

describe("Template.render", () => {
  it("fills {{name}} placeholders", () => {
    assert.deepStrictEqual(
      render("Hi {{name}}, your code is {{code}}.", { name: "Ada", code: "4821" }),
      Either.right("Hi Ada, your code is 4821.")
    )
  })

  it("allows whitespace inside the braces", () => {
    assert.deepStrictEqual(
      render("Hi {{ name }}, {{name  }} and {{\tname}}", { name: "Ada" }),
      Either.right("Hi Ada, Ada and Ada")
    )
    assert.deepStrictEqual(variablesOf("{{ name }} {{name}}"), ["name"])
  })

  it("fills every occurrence of a repeated variable", () => {
    assert.deepStrictEqual(render("{{x}}-{{x}}-{{ x }}", { x: "7" }), Either.right("7-7-7"))
  })

  it("lists every missing variable once, in order of first appearance", () => {
    const missing = missingOf(render("{{b}} {{a}} {{given}} {{b}} {{c}}", { given: "yes" }))
    assert.deepStrictEqual(missing, ["b", "a", "c"])
  })

  it("names the missing variables in the message", () => {
    const result = render("{{first}} {{second}}", {})
    if (Either.isRight(result)) assert.fail("expected a failure")
    assert.match(result.left.message, /first, second/)
  })

  it("does not take inherited object properties for given variables", () => {
    assert.deepStrictEqual(missingOf(render("{{toString}} {{constructor}}", {})), ["toString", "constructor"])
  })

  it("ignores extra variables", () => {
    assert.deepStrictEqual(render("Hi {{name}}", { name: "Ada", unused: "x" }), Either.right("Hi Ada"))
    assert.deepStrictEqual(render("No placeholders", { unused: "x" }), Either.right("No placeholders"))
  })

  it("inserts values literally: no replacement patterns, no second expansion", () => {
    assert.deepStrictEqual(
      render("{{a}} {{b}}", { a: "$& $1 $$ $`", b: "{{a}}" }),
      Either.right("$& $1 $$ $` {{a}}")
    )
  })

  it("treats an empty value as given", () => {
    assert.deepStrictEqual(render("[{{name}}]", { name: "" }), Either.right("[]"))
  })

  it("leaves text that is not a placeholder alone", () => {
    const body = "{{1}} {name} {{ two words }} {{}} {{-x}}"
    assert.deepStrictEqual(variablesOf(body), [])
    assert.deepStrictEqual(render(body, {}), Either.right(body))
  })

  it("accepts dotted, dashed and underscored names", () => {
    assert.deepStrictEqual(variablesOf("{{order.id}} {{first_name}} {{due-date}} {{_x1}}"), [
      "order.id",
      "first_name",
      "due-date",
      "_x1"
    ])
  })

  it.prop(
    "renders when every variable is given, and otherwise names exactly the absent ones",
    [
      FastCheck.uniqueArray(FastCheck.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), { minLength: 1, maxLength: 6 }),
      FastCheck.array(FastCheck.boolean(), { minLength: 6, maxLength: 6 })
    ],
    ([names, given]) => {
      const body = names.map((name, i) => `<${i}:{{${name}}}>`).join(" ")
      const variables = Object.fromEntries(names.filter((_, i) => given[i]).map((name) => [name, name.toUpperCase()]))
      const absent = names.filter((_, i) => !given[i])
      const result = render(body, variables)
      if (absent.length === 0) {
        assert.deepStrictEqual(result, Either.right(names.map((name, i) => `<${i}:${name.toUpperCase()}>`).join(" ")))
      } else {
        assert.deepStrictEqual(missingOf(result), absent)
      }
    },
    { fastCheck: { numRuns: 1000 } }
  )
})

describe("Template.positionalParameters", () => {
  it("gives the values in order of first appearance, once each", () => {
    assert.deepStrictEqual(
      positionalParameters("{{code}} for {{ name }}; again {{code}}, {{site}}", {
        site: "example.com",
        name: "Ada",
        code: "4821"
      }),
      ["4821", "Ada", "example.com"]
    )
  })

  it("gives an empty string for a missing value and ignores extras", () => {
    assert.deepStrictEqual(positionalParameters("{{a}} {{b}}", { b: "B", z: "Z" }), ["", "B"])
  })
})
