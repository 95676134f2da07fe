/** Runs one benchmark file (bench/run.ts starts one process per file); exits with the number of missed targets. */
import { describeTarget, formatNumber, targetMet, tightened, type BenchReport } from './bench-report.js';

const file = process.argv[2];
let missed = 0;
console.log(`\n== ${file.replace('.bench.ts', '')}`);
const report: BenchReport = {
  metric(name, value, unit, declared) {
    const target = declared && tightened(declared);
    const ok = target === undefined || targetMet(value, target);
    if (!ok) missed++;
    const goal = target ? `  ${describeTarget(target, unit, ok)}` : '';
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
