/**
 * Mutation testing of the pure core with StrykerJS: one Stryker run per module, each with only
 * the test files that exercise it (MUTATE_TESTS, read by stryker/vitest.mutate.config.ts), one
 * mutant at a time (the machine is shared). Prints the score per module and exits non-zero when
 * a module's score is below the committed `thresholds.break` in stryker/stryker.config.json.
 *
 *   npm run mutate                 every module (incremental: unchanged mutants are reused)
 *   npm run mutate -- governance   one module
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface Module {
  readonly mutate: string[];
  readonly tests: string[];
}

const MODULES: Record<string, Module> = {
  compatibility: {
    mutate: ['src/governance/compatibility.ts', 'src/governance/version-bump.ts'],
    tests: ['test/governance/compatibility.test.ts', 'test/governance/versioning.test.ts'],
  },
  'builtin-rules': {
    mutate: ['src/governance/builtin-rules.ts'],
    tests: ['test/governance/builtin-rules.test.ts'],
  },
  'quality-checks': {
    mutate: ['src/engine/quality-checks.ts'],
    tests: ['test/pipelines/quality-checks.test.ts'],
  },
  'authorized-platform': {
    mutate: ['src/server/auth/authorized-platform.ts'],
    tests: ['test/server/route-roles.test.ts'],
  },
  runs: {
    mutate: ['src/registry/operations/runs/*.ts'],
    tests: ['test/registry/runs-conformance.test.ts', 'test/registry/run-lock.test.ts'],
  },
};

interface MutationReport {
  files: Record<string, { mutants: { status: string }[] }>;
}

const KILLED = new Set(['Killed', 'Timeout']);
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);

function score(reportFile: string): { killed: number; counted: number } {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as MutationReport;
  const mutants = Object.values(report.files).flatMap((f) => f.mutants);
  return {
    killed: mutants.filter((m) => KILLED.has(m.status)).length,
    counted: mutants.filter((m) => COUNTED.has(m.status)).length,
  };
}

function runModule(name: string, module: Module): { killed: number; counted: number } {
  const result = spawnSync(
    'npx',
    [
      'stryker',
      'run',
      'stryker/stryker.config.json',
      '--mutate',
      module.mutate.join(','),
      '--incrementalFile',
      `reports/stryker-incremental-${name}.json`,
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, MUTATE_TESTS: module.tests.join(',') },
    },
  );
  if (result.status !== 0 && result.status !== null) console.error(`stryker exited ${result.status} for ${name}`);
  return score('reports/mutation/mutation.json');
}

function main(): void {
  const config = JSON.parse(readFileSync('stryker/stryker.config.json', 'utf8')) as { thresholds: { break: number } };
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in MODULES));
  if (unknown.length) {
    console.error(`unknown module(s): ${unknown.join(', ')}; modules: ${Object.keys(MODULES).join(', ')}`);
    process.exit(2);
  }
  const names = wanted.length ? wanted : Object.keys(MODULES);
  const rows = names.map((name) => ({ name, ...runModule(name, MODULES[name]) }));
  console.log('\nmutation score per module (killed + timeout / all but errors):');
  let failed = false;
  for (const r of rows) {
    const pct = r.counted ? (100 * r.killed) / r.counted : 0;
    const below = pct < config.thresholds.break;
    failed ||= below;
    console.log(
      `  ${r.name.padEnd(22)} ${pct.toFixed(1).padStart(5)}%  (${r.killed}/${r.counted})${below ? `  BELOW break ${config.thresholds.break}%` : ''}`,
    );
  }
  process.exit(failed ? 1 : 0);
}

main();
