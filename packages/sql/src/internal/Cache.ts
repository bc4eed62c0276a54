import { Effect } from "effect"

/**
 * A small, time-bounded cache for rows that are read on every send but change rarely (the rate card,
 * templates). Writes through this process invalidate at once; other processes sharing a PostgreSQL store
 * see a change within `ttlMillis`.
 */
export interface TtlCache<K, V> {
  readonly get: <E, R>(key: K, load: Effect.Effect<V, E, R>, keep?: (value: V) => boolean) => Effect.Effect<V, E, R>
  readonly invalidate: (key?: K) => Effect.Effect<void>
}

/**
 * A cache holding at most `capacity` entries for `ttlMillis` each (oldest evicted first). Entries expire by
 * the wall clock, not the Effect `Clock`: the TTL bounds how long another process's change goes unseen, a
 * matter of real time, and a hit then costs no effect beyond its value (it sits on every send).
 */
export const make = <K, V>(ttlMillis: number, capacity: number): TtlCache<K, V> => {
  const entries = new Map<K, { readonly value: V; readonly expires: number }>()
  return {
    get: (key, load, keep = () => true) =>
      Effect.suspend(() => {
        const now = Date.now()
        const hit = entries.get(key)
        if (hit !== undefined && hit.expires > now) return Effect.succeed(hit.value)
        return Effect.tap(load, (value) =>
          Effect.sync(() => {
            if (!keep(value)) return
            entries.delete(key)
            if (entries.size >= capacity) entries.delete(entries.keys().next().value!)
            entries.set(key, { value, expires: now + ttlMillis })
          }))
      }),
    invalidate: (key) => Effect.sync(() => (key === undefined ? entries.clear() : entries.delete(key)))
  }
}
