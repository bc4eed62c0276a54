/**
 * `npm run bench`: runs every benchmark module (or those named as arguments), prints figures with their
 * ratios to baselines measured in the same run, and writes them to `bench/results/latest.json`.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Benchmark, BenchRow } from "./Bench.js"

const here = dirname(fileURLToPath(import.meta.url))
const only = process.argv.slice(2)
const modules = readdirSync(here)
  .filter((file) => file.endsWith(".ts") && !["run.ts", "Bench.ts"].includes(file) && !file.startsWith("_"))
  .filter((file) => only.length === 0 || only.includes(file.replace(/\.ts$/, "")))
  .sort()

const results: Array<BenchRow & { readonly benchmark: string; readonly ratio?: number }> = []
for (const file of modules) {
  const benchmark = (await import(join(here, file))).default as Benchmark
  process.stdout.write(`\n▶ ${benchmark.name}\n`)
  for (const row of await benchmark.run()) {
    const ratio = row.baseline !== undefined ? row.value / row.baseline.value : undefined
    results.push({ benchmark: benchmark.name, ...row, ...(ratio !== undefined ? { ratio } : {}) })
    const verdict = ratio === undefined || row.target === undefined ? "" : ratio >= row.target ? "  ✓" : "  ✗ below target"
    process.stdout.write(
      `  ${row.name.padEnd(52)} ${row.value.toFixed(1).padStart(10)} ${row.unit.padEnd(12)}` +
        (row.baseline !== undefined
          ? ` vs ${row.baseline.name} ${row.baseline.value.toFixed(1)} → ${ratio!.toFixed(3)}×` +
            (row.target !== undefined ? ` (target ≥ ${row.target}×)` : "") + verdict
          : "") +
        (row.notes !== undefined ? `\n      ${row.notes}` : "") + "\n"
    )
  }
}
mkdirSync(join(here, "results"), { recursive: true })
writeFileSync(
  join(here, "results", "latest.json"),
  JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)
)
process.stdout.write(`\nwrote bench/results/latest.json (${results.length} figures)\n`)
