import { Clock, Effect } from "effect"

/** The current time from the Effect `Clock`, so tests can move it. */
export const now: Effect.Effect<Date> = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))
