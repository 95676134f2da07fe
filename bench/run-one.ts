/** Runs one benchmark file (bench/run.ts starts one process per file); exits with the number of missed targets. */
import type { BenchReport } from './bench-report.js';

const file = process.argv[2];
let missed = 0;
console.log(`\n== ${file.replace('.bench.ts', '')}`);
const report: BenchReport = {
  metric(name, value, unit, target) {
    const ok =
      target === undefined ||
      ((target.max === undefined || value <= target.max) && (target.min === undefined || value >= target.min));
    if (!ok) missed++;
    const goal = target
      ? `  (target ${target.max !== undefined ? `≤ ${target.max}` : `≥ ${target.min}`} ${unit}: ${ok ? 'met' : 'MISSED'})`
      : '';
    console.log(`  ${name.padEnd(58)} ${formatNumber(value).padStart(12)} ${unit}${goal}`);
  },
  note(text) {
    console.log(`  ${text}`);
  },
};
try {
  const mod = (await import(`./${file}`)) as { bench: (r: BenchReport) => Promise<void> };
  await mod.bench(report);
} catch (error) {
  console.error(`  benchmark failed: ${(error as Error).message}`);
  process.exit(100);
}
process.exit(Math.min(missed, 99));

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(3);
}
