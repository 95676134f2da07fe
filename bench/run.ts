/**
 * `npm run bench [-- name…]`: runs every bench/*.bench.ts (or those whose file name contains
 * one of the given words), each in a process of its own, so that one benchmark's memory (RSS
 * targets) and JIT state never colour another's. Each bench module exports `bench(report)`;
 * numbers are printed as values and as ratios to a baseline measured in the same run. Each
 * target is labelled a ratio target (to a baseline of the same run) or an absolute one. Exits 1
 * when a target was missed or a benchmark crashed (MESH_BENCH_TIGHTEN=0.5 forces misses, to
 * check that), 2 when no benchmark matches the given words.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((w) => f.includes(w))))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}`);
  process.exit(2);
}
let missed = 0;
let failed = 0;
for (const file of files) {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./run-one.ts', import.meta.url)), file],
    { stdio: ['ignore', 'inherit', 'inherit'], env: process.env },
  );
  // run-one exits with the number of missed targets (capped), or 100+ when the bench crashed.
  if (child.status === null || child.status >= 100) failed++;
  else missed += child.status;
}
const summary = [
  missed > 0 ? `${missed} target(s) missed` : failed === 0 ? 'all targets met' : '',
  failed > 0 ? `${failed} benchmark(s) failed to run` : '',
].filter(Boolean);
console.log(`\n${summary.join('; ')}`);
process.exit(missed > 0 || failed > 0 ? 1 : 0);
