/**
 * `npm run seed:demo`: a populated demo mesh in one step — its history built through the
 * platform's own operations at simulated past times (src/server/demo/seed-demo.ts).
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { InputError, MeshError } from '../src/core/errors.js';
import { openRegistry, redactUrl } from '../src/registry/registry.js';
import { DEMO_PATTERNS, demoPlan, type DemoPattern } from '../src/server/demo/demo-plan.js';
import { seedDemo } from '../src/server/demo/seed-demo.js';

interface Flags {
  home?: string;
  databaseUrl?: string;
  domains: number;
  products: number;
  days: number;
  runEvery: number;
  readEvery: number;
  seed: number;
  patterns: string;
  healthy?: boolean;
}

function whole(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
}

const program = new Command('seed:demo')
  .description(
    'Builds a demo mesh with months of history (publications, runs, incidents, grants, reads, ratings) ' +
      'through the platform itself, at simulated past times.',
  )
  .option('--home <dir>', 'the mesh home to fill (default: a new folder mesh-demo-* here)')
  .option('--database-url <url>', 'a PostgreSQL registry (default: <home>/registry.sqlite)')
  .option('--domains <n>', 'domains', whole, 30)
  .option('--products <n>', 'products, spread over the domains', whole, 300)
  .option('--days <n>', 'days of history, ending today', whole, 180)
  .option('--run-every <n>', "days between a product's scheduled runs (its freshness target follows)", whole, 28)
  .option('--read-every <n>', 'days between reads of each product (under 90)', whole, 60)
  .option('--seed <n>', 'the random seed: the same seed, the same mesh', whole, 1)
  .option('--patterns <list>', `failure patterns to plant, comma-separated: ${DEMO_PATTERNS.join(', ')}`, 'all')
  .option('--healthy', 'plant no failure pattern: a working mesh')
  .addHelpText(
    'after',
    '\nA real run takes a few hundred milliseconds, so the full size with daily runs would take hours;\n' +
      'the default cadence (--run-every 28) builds it in about ten minutes. Small: --domains 6 --products 24 --days 60 --run-every 3',
  );

function patternsOf(flags: Flags): DemoPattern[] {
  if (flags.healthy) return [];
  if (flags.patterns === 'all') return [...DEMO_PATTERNS];
  return flags.patterns
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean) as DemoPattern[];
}

async function main(): Promise<void> {
  const flags = program.parse().opts<Flags>();
  demoPlan({ ...flags, patterns: patternsOf(flags) }); // refuses bad options before anything is made
  if (flags.home && existsSync(flags.home) && readdirSync(flags.home).length > 0)
    throw new InputError(`${flags.home} is not empty: give a new or empty folder for the demo mesh`);
  const home = resolve(flags.home ?? mkdtempSync(join(process.cwd(), 'mesh-demo-')));
  const registry = await openRegistry(
    flags.databaseUrl ? { url: flags.databaseUrl } : { sqlitePath: join(home, 'registry.sqlite') },
  );
  try {
    console.log(
      `seeding a demo mesh in ${home}${flags.databaseUrl ? ` (registry ${redactUrl(flags.databaseUrl)})` : ''}`,
    );
    const summary = await seedDemo({
      ...flags,
      registry,
      home,
      patterns: patternsOf(flags),
      progress: (line) => console.log(`  ${line}`),
    });
    console.log(
      `done in ${summary.seconds} s: ${summary.domains} domains, ${summary.products} products, ${summary.days} days ` +
        `(${summary.from.slice(0, 10)} to ${summary.to.slice(0, 10)}), ${summary.runs} runs (${summary.failedRuns} failed), ` +
        `${summary.incidentsAcknowledged} incidents acknowledged, ${summary.accessRequests} access requests, ` +
        `${summary.reads} reads, ${summary.ratings} ratings`,
    );
    const env = `MESH_HOME=${home}${flags.databaseUrl ? ` MESH_DATABASE_URL=${redactUrl(flags.databaseUrl)}` : ''}`;
    console.log(`\nnext, try:\n  ${env} mesh report\n  ${env} mesh scorecard sales\n  ${env} mesh serve`);
  } finally {
    await registry.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof MeshError ? `seed:demo: ${error.message}` : error);
  process.exitCode = 1;
});
