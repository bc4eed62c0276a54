/** Message templates, over `SqlClient`. */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Channel, Ids, Template } from "@sent/core"
import { Storage } from "@sent/core"
import { Array, Effect, Layer, Option } from "effect"
import * as Page from "./internal/Page.js"
import * as Cache from "./internal/Cache.js"
import { call, date, millis } from "./internal/Rows.js"

interface TemplateRow {
  readonly id: string
  readonly name: string
  readonly body: string
  readonly category: Template.Category
  readonly channels: string
  readonly variables: string
  readonly created_at: number | string
  readonly updated_at: number | string
}

const toTemplate = (row: TemplateRow): Template.Template => ({
  id: row.id as Ids.TemplateId,
  name: row.name,
  body: row.body,
  category: row.category,
  channels: JSON.parse(row.channels) as ReadonlyArray<Channel.Channel>,
  variables: JSON.parse(row.variables) as ReadonlyArray<string>,
  createdAt: date(row.created_at),
  updatedAt: date(row.updated_at)
})

/** The `Templates` port over the current `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, name, body, category, channels, variables, created_at, updated_at")
  // Every send reads its template; templates never change, they are only deleted.
  const cache = Cache.make<string, Option.Option<Template.Template>>(1_000, 10_000)

  return Storage.Templates.of({
    insert: (customerId, template) =>
      call(
        "Templates.insert",
        sql`INSERT INTO templates (id, customer_id, name, body, category, channels, variables, created_at, updated_at)
          VALUES (${template.id}, ${customerId}, ${template.name}, ${template.body}, ${template.category},
            ${JSON.stringify(template.channels)}, ${JSON.stringify(template.variables)},
            ${millis(template.createdAt)}, ${millis(template.updatedAt)})`.pipe(Effect.asVoid)
      ),
    find: (customerId, id) =>
      // Outside the span: a cache hit costs less than the span would.
      cache.get(
        `${customerId}/${id}`,
        call(
          "Templates.find",
          Effect.map(
            sql<TemplateRow>`SELECT ${columns} FROM templates WHERE customer_id = ${customerId} AND id = ${id}`,
            (rows) => Option.map(Array.head(rows), toTemplate)
          )
        ),
        Option.isSome
      ),
    list: (customerId, page) =>
      call(
        "Templates.list",
        Page.paginate(page, Page.isUuid, (after) =>
          Effect.map(
            sql<TemplateRow>`SELECT ${columns} FROM templates
              WHERE customer_id = ${customerId} ${after === null ? sql`` : sql`AND id < ${after}`}
              ORDER BY id DESC LIMIT ${Page.fetchSize(page)}`,
            (rows) => Page.toPage(rows, page, (row) => row.id, toTemplate)
          ))
      ),
    delete: (customerId, id) =>
      call(
        "Templates.delete",
        Effect.zipLeft(
          Effect.map(
            sql`DELETE FROM templates WHERE customer_id = ${customerId} AND id = ${id} RETURNING id`,
            Array.isNonEmptyReadonlyArray
          ),
          cache.invalidate(`${customerId}/${id}`)
        )
      )
  })
})

/** The `Templates` port, given a `SqlClient`. */
export const layer = Layer.effect(Storage.Templates, make)
