/**
 * `npm run bench [-- name…]`: runs every bench/*.bench.ts (or those whose file name contains
 * one of the given words), each in a process of its own, so that one benchmark's memory (RSS
 * targets) and JIT state never colour another's. Each bench module exports `bench(report)`;
 * numbers are printed as values and as ratios to a baseline measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((w) => f.includes(w))))
  .sort();
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
console.log(
  `\n${missed === 0 ? 'all targets met' : `${missed} target(s) missed`}${failed ? `; ${failed} benchmark(s) failed to run` : ''}`,
);
