/** The benchmark contract: each module measures its figures beside a baseline measured in the same run. */

/** One measured figure, with the baseline it is compared to and the ratio it must reach. */
export interface BenchRow {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly baseline?: { readonly name: string; readonly value: number } | undefined
  /** The minimum `value / baseline.value` this figure is held to. */
  readonly target?: number | undefined
  readonly notes?: string | undefined
}

/** A benchmark module's default export. */
export interface Benchmark {
  readonly name: string
  readonly run: () => Promise<ReadonlyArray<BenchRow>>
}

/** Runs `fn` for `count` iterations with `concurrency` callers at once; returns operations per second. */
export const throughput = async (count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> => {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++)
    })
  )
  return count / ((performance.now() - started) / 1000)
}

/** The p-th percentile (0–100) of some samples. */
export const percentile = (samples: ReadonlyArray<number>, p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}
