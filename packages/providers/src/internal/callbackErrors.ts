/**
 * The errors a provider callback can end in, shared by the pure helpers of each adapter and the
 * `ProviderCallbacks` service (which re-exports them).
 */
import { HttpApiSchema } from "@effect/platform"
import { ParseResult, Schema } from "effect"

/** The callback is not provably from the provider: credentials not configured, or a bad or missing signature. */
export class CallbackRejected extends Schema.TaggedError<CallbackRejected>()(
  "CallbackRejected",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {}

/** The callback is authentic but its content is not what the provider's API documents. */
export class MalformedCallback extends Schema.TaggedError<MalformedCallback>()(
  "MalformedCallback",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** A malformed-callback error naming the first field a schema rejected. */
export const fromParseError = (what: string, error: ParseResult.ParseError): MalformedCallback => {
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
  const where = first === undefined || first.path.length === 0 ? "" : ` at ${first.path.join(".")}`
  return new MalformedCallback({ message: `${what} is malformed${where}: ${first?.message ?? error.message}` })
}
