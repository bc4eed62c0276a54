/** A collecting `InboundReports` for tests: it keeps every report it is handed, in arrival order. */
import { Provider } from "@sent/core"
import { Context, Effect, Layer, Ref } from "effect"

/** The reports collected so far. */
export class Collected extends Context.Tag("@sent/providers/test/Collected")<
  Collected,
  Ref.Ref<ReadonlyArray<Provider.InboundReport>>
>() {}

/** Provides `InboundReports` that collects, and `Collected` to read what it collected. */
export const layer = Layer.effectContext(
  Effect.map(Ref.make<ReadonlyArray<Provider.InboundReport>>([]), (ref) =>
    Context.make(Collected, ref).pipe(
      Context.add(Provider.InboundReports, { ingest: (reports) => Ref.update(ref, (all) => [...all, ...reports]) })
    )
  )
)

/** Everything collected so far. */
export const reports = Effect.flatMap(Collected, Ref.get)
