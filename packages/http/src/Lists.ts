/**
 * What every list endpoint shares: `?limit=&cursor=` (limit 1 to 200, default 50) and the
 * `{ data, nextCursor }` page, newest first.
 */
import { Schema } from "effect"

/** The largest page a list answers. */
export const maxLimit = 200

/** The page size when none is asked for. */
export const defaultLimit = 50

/** `limit` as a query parameter: an integer from 1 to 200. */
export const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, maxLimit)).annotations({
  description: `Items per page, 1 to ${maxLimit} (default ${defaultLimit})`
})

/** The query parameters of a page. */
export const PageParams = {
  limit: Schema.optional(Limit),
  cursor: Schema.optional(Schema.String.annotations({ description: "The nextCursor of the previous page" }))
}

/** The query parameters of a list without filters. */
export const ListParams = Schema.Struct(PageParams)

/** The storage page request of the query parameters, with the default limit applied. */
export const pageRequest = (params: { readonly limit?: number | undefined; readonly cursor?: string | undefined }) => ({
  limit: params.limit ?? defaultLimit,
  cursor: params.cursor
})

/** A page of items, newest first; `nextCursor` is `null` on the last page. */
export const Page = <A, I, R>(item: Schema.Schema<A, I, R>) =>
  Schema.Struct({ data: Schema.Array(item), nextCursor: Schema.NullOr(Schema.String) })
