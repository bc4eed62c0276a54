/** The template catalog: creating, reading and deleting a customer's templates. */
import { Context, Effect, Layer, Option } from "effect"
import type { Channel } from "./Channel.js"
import { type FieldIssue, NotFound, ValidationFailed } from "./Errors.js"
import * as Ids from "./Ids.js"
import { now } from "./internal/time.js"
import { Templates, type Page, type PageRequest } from "./Storage.js"
import { type Category, type Template, variablesOf } from "./Template.js"

/** What a customer gives to create a template. */
export interface NewTemplate {
  readonly name: string
  readonly body: string
  readonly category?: Category | undefined
  readonly channels?: ReadonlyArray<Channel> | undefined
}

const maxBodyLength = 4_096

/** Templates as customers manage them. */
export class TemplateCatalog extends Context.Tag("@sent/core/TemplateCatalog")<
  TemplateCatalog,
  {
    readonly create: (customerId: Ids.CustomerId, input: NewTemplate) => Effect.Effect<Template, ValidationFailed>
    readonly get: (customerId: Ids.CustomerId, id: Ids.TemplateId) => Effect.Effect<Template, NotFound>
    readonly list: (customerId: Ids.CustomerId, page: PageRequest) => Effect.Effect<Page<Template>>
    readonly delete: (customerId: Ids.CustomerId, id: Ids.TemplateId) => Effect.Effect<void, NotFound>
  }
>() {
  /** The catalog over the `Templates` port. */
  static readonly layer = Layer.effect(
    TemplateCatalog,
    Effect.gen(function*() {
      const templates = yield* Templates
      return TemplateCatalog.of({
        create: (customerId, input) =>
          Effect.gen(function*() {
            const issues: Array<FieldIssue> = []
            const name = input.name.trim()
            if (name.length === 0 || name.length > 200) issues.push({ field: "name", message: "must be 1 to 200 characters" })
            if (input.body.trim().length === 0 || input.body.length > maxBodyLength) {
              issues.push({ field: "body", message: `must be 1 to ${maxBodyLength} characters` })
            }
            const channels = input.channels ?? ["sms", "whatsapp"]
            if (channels.length === 0) issues.push({ field: "channels", message: "must name at least one channel" })
            if (issues.length > 0) {
              return yield* new ValidationFailed({ message: "The template is invalid", details: issues })
            }
            const at = yield* now
            const template: Template = {
              id: yield* Ids.make(Ids.TemplateId),
              name,
              body: input.body,
              category: input.category ?? "UTILITY",
              channels: [...new Set(channels)],
              variables: variablesOf(input.body),
              createdAt: at,
              updatedAt: at
            }
            yield* templates.insert(customerId, template)
            return template
          }),
        get: (customerId, id) =>
          Effect.flatMap(templates.find(customerId, id), Option.match({
            onNone: () => Effect.fail(NotFound.of("template", id)),
            onSome: Effect.succeed
          })),
        list: templates.list,
        delete: (customerId, id) =>
          Effect.flatMap(templates.delete(customerId, id), (deleted) =>
            deleted ? Effect.void : Effect.fail(NotFound.of("template", id)))
      })
    })
  )
}
