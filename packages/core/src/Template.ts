/** Message templates: a body with named `{{variable}}` placeholders, and its rendering. */
import { Either, Schema } from "effect"
import { Channel } from "./Channel.js"
import { TemplateVariablesMissing } from "./Errors.js"
import { TemplateId } from "./Ids.js"

/** WhatsApp's template categories; stored for WhatsApp sends and pricing. */
export const Category = Schema.Literal("UTILITY", "MARKETING", "AUTHENTICATION")
export type Category = typeof Category.Type

/** A template as the API shows it. */
export const Template = Schema.Struct({
  id: TemplateId,
  name: Schema.String,
  body: Schema.String,
  category: Category,
  channels: Schema.Array(Channel),
  variables: Schema.Array(Schema.String),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}).annotations({ identifier: "Template" })
export type Template = typeof Template.Type

/** The summary of a template a Message carries. */
export const TemplateSummary = Schema.Struct({ id: TemplateId, name: Schema.String }).annotations({
  identifier: "TemplateSummary"
})
export type TemplateSummary = typeof TemplateSummary.Type

/** Values for a template's variables, by name. */
export const TemplateVariables = Schema.Record({ key: Schema.String, value: Schema.String })
export type TemplateVariables = typeof TemplateVariables.Type

const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g

/** The distinct variable names of a body, in order of first appearance (WhatsApp's `{{1}}`, `{{2}}` order). */
export const variablesOf = (body: string): ReadonlyArray<string> => {
  const names: Array<string> = []
  for (const match of body.matchAll(placeholder)) {
    const name = match[1]!
    if (!names.includes(name)) names.push(name)
  }
  return names
}

/** Renders a body; every missing variable is named in the error, extra variables are ignored. */
export const render = (
  body: string,
  variables: TemplateVariables
): Either.Either<string, TemplateVariablesMissing> => {
  const missing = variablesOf(body).filter((name) => !Object.hasOwn(variables, name))
  if (missing.length > 0) {
    return Either.left(
      new TemplateVariablesMissing({ message: `Missing template variables: ${missing.join(", ")}`, missing })
    )
  }
  return Either.right(body.replace(placeholder, (_, name: string) => variables[name]!))
}

/** The values of a body's variables in placeholder order, as WhatsApp's positional parameters. */
export const positionalParameters = (body: string, variables: TemplateVariables): ReadonlyArray<string> =>
  variablesOf(body).map((name) => variables[name] ?? "")
