/**
 * Ids in paths. A path id that is not a GUID names nothing, so it answers `404` like any other unknown
 * id instead of a `400`: a caller cannot tell a malformed id from another customer's.
 */
import { Errors } from "@sent/core"
import { Effect, Option, Schema } from "effect"

/** The `{id}` path parameter. */
export const IdPath = Schema.Struct({ id: Schema.String })

/** The branded id of a path parameter, or `NotFound` for the resource. */
export const parse = <A>(schema: Schema.Schema<A, string>, resource: string) => {
  const decode = Schema.decodeOption(schema)
  return (id: string): Effect.Effect<A, Errors.NotFound> =>
    Option.match(decode(id), {
      onNone: () => Effect.fail(Errors.NotFound.of(resource, id)),
      onSome: Effect.succeed
    })
}
