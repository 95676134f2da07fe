/**
 * Access speed. (1) The read decision — the reader's teams, their domains and the product's
 * grants in one registry statement, and decideRead — with 10,000 products and 100,000 grants
 * in the registry (target ≤ 1 ms at p95), on SQLite and PostgreSQL, beside the same decision
 * read with two lookups. (2) A masked download (exportData: decide, stream the masked copy its
 * run wrote) of a product of MESH_BENCH_ACCESS_ROWS rows (default 10,000,000) against reading
 * the same parquet file whole (a COPY of it unmasked) in the same run (target ≤ 1.2×); also the
 * unmasked download, the masked copy's cost at publish (once per run), and a download masked on
 * the fly (a key without a copy), for comparison.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideRead, readerGrantees } from '../src/access/decide-read.js';
import { exportData } from '../src/access/export-data.js';
import { localScope, type AccessScope } from '../src/access/principal.js';
import { writeMaskedCopy } from '../src/engine/masked-copy.js';
import { resolveReader, resolveReaderFor } from '../src/access/resolve-reader.js';
import type { ColumnSpec, DataProduct } from '../src/descriptor/data-product-schema.js';
import { openEngine } from '../src/engine/duckdb-engine.js';
import { quoteLiteral } from '../src/engine/sql-text.js';
import { LocalPlatform } from '../src/platform/local-platform.js';
import { configFromEnv } from '../src/core/mesh-config.js';
import { snapshotFile, writeCurrentPointer, productWarehouseDir } from '../src/ports/warehouse.js';
import { grantsForReader } from '../src/registry/operations/access/grants-for-reader.js';
import { setCurrentSnapshot } from '../src/registry/operations/runs/current-snapshot.js';
import { addTeamMember, createTeam } from '../src/registry/operations/identity/teams.js';
import { openRegistry, writeTransaction, type Registry } from '../src/registry/registry.js';
import { pipelineBundle } from '../test/helpers/pipelines.js';
import { createTestDatabase } from '../test/helpers/registries.js';
import type { BenchReport } from './bench-report.js';

const PRODUCTS = 10_000;
const GRANTS = 100_000;
const TEAMS = 1_000;

export async function bench(report: BenchReport): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-access-'));
  try {
    const sqlite = await openRegistry({ sqlitePath: join(dir, 'registry.sqlite') });
    await decisionBench(report, sqlite, 'sqlite');
    await sqlite.close();
    const pg = await createTestDatabase('mesh_bench_access');
    const postgres = await openRegistry({ url: pg.url });
    try {
      await decisionBench(report, postgres, 'postgres');
    } finally {
      await postgres.close();
      await pg.drop();
    }
    await downloadBench(report, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function decisionBench(report: BenchReport, registry: Registry, label: string): Promise<void> {
  await seedGrants(registry);
  await createTeam(registry, { name: 'team-7', domains: ['domain-7'] });
  await addTeamMember(registry, 'team-7', 'reader');
  await createTeam(registry, { name: 'team-8', domains: ['domain-8'] });
  await addTeamMember(registry, 'team-8', 'reader');
  const scope: AccessScope = { principal: { user: 'reader', role: 'consumer' } };
  const targetOf = (i: number) => {
    const p = (i * 7919) % PRODUCTS;
    return { product: `domain-${p % 50}/product-${p}`, domain: `domain-${p % 50}`, major: 1 };
  };
  // What authorizeRead asks: the reader, its teams' domains and the candidate grants in one statement.
  let allowed = 0;
  const oneStatement = await timeReads(async (i) => {
    const target = targetOf(i);
    const { reader, candidates } = await resolveReaderFor(registry.db, scope, target.product);
    if (decideRead(reader, target, candidates).allowed) allowed++;
  });
  // The same decision with the membership and the grants as two lookups (how it was read before).
  const twoLookups = await timeReads(async (i) => {
    const target = targetOf(i);
    const reader = await resolveReader(registry.db, scope);
    decideRead(reader, target, await grantsForReader(registry.db, target.product, readerGrantees(reader)));
  });
  // The decision alone, over the candidates one lookup returns.
  const reader = await resolveReader(registry.db, scope);
  const pure: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const target = targetOf(i);
    const candidates = await grantsForReader(registry.db, target.product, readerGrantees(reader));
    const started = performance.now();
    decideRead(reader, target, candidates);
    pure.push(performance.now() - started);
  }
  pure.sort((a, b) => a - b);
  report.note(
    `${label}: ${PRODUCTS.toLocaleString()} products, ${GRANTS.toLocaleString()} grants; ${allowed / 2} of 2,000 reads allowed`,
  );
  report.metric(`read decision p50 (${label}, one registry statement + decideRead)`, at(oneStatement, 0.5), 'ms');
  report.metric(`read decision p95 (${label})`, at(oneStatement, 0.95), 'ms', { max: 1 });
  report.metric(`— membership and grants as two lookups, p95 (${label}, before)`, at(twoLookups, 0.95), 'ms');
  report.metric(`decideRead alone p95 (${label} candidates)`, at(pure, 0.95), 'ms');
}

/** 2,000 reads after 2,000 of warm-up (the same products), their times sorted. */
async function timeReads(read: (i: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < 2; round++)
    for (let i = 0; i < 2_000; i++) {
      const started = performance.now();
      await read(i);
      if (round === 1) times.push(performance.now() - started);
    }
  return times.sort((a, b) => a - b);
}

const at = (sorted: readonly number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))];

/** 10 grants per product, to teams spread over 1,000, a tenth of them per major, some expired or revoked. */
async function seedGrants(registry: Registry): Promise<void> {
  const now = new Date().toISOString();
  const past = new Date(Date.now() - 86_400_000).toISOString();
  for (let start = 0; start < GRANTS; start += 5_000) {
    await writeTransaction(registry, async (tx) => {
      for (let i = start; i < start + 5_000; i += 500) {
        const rows = Array.from({ length: 500 }, (_, k) => {
          const n = i + k;
          const p = n % PRODUCTS;
          return {
            id: `g-${n}`,
            product_id: `domain-${p % 50}/product-${p}`,
            major: n % 10 === 0 ? 1 : null,
            grantee_kind: 'team',
            grantee: `team-${(n * 31) % TEAMS}`,
            pii: n % 3 === 0 ? 1 : 0,
            origin: n % 2 === 0 ? 'standing' : 'request',
            request_id: null,
            granted_by: 'bench',
            granted_at: now,
            expires_at: n % 7 === 0 ? past : null,
            revoked_at: n % 11 === 0 ? now : null,
            revoked_by: null,
            expiry_noted: 0,
          };
        });
        await tx.insertInto('grants').values(rows).execute();
      }
    });
  }
}

async function downloadBench(report: BenchReport, dir: string): Promise<void> {
  const rows = Number(process.env.MESH_BENCH_ACCESS_ROWS) || 10_000_000;
  const home = join(dir, 'home');
  const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'bench' };
  const platform = new LocalPlatform({ config, maskingKey: 'bench-masking-key' });
  try {
    const bundle = pipelineBundle({
      domain: 'identity',
      name: 'people',
      inputs: [{ name: 'people', source: { type: 'file', path: '/nonexistent.csv', format: 'csv' } }],
      sql: 'SELECT * FROM people',
      columns: [
        { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
        { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
        { name: 'name', type: 'varchar', pii: 'direct', masking: 'partial' },
        { name: 'phone', type: 'varchar', pii: 'direct', masking: 'redact' },
        { name: 'country', type: 'varchar', pii: 'none' },
        { name: 'amount', type: 'double', pii: 'none' },
      ],
    });
    await platform.publish(bundle);
    const file = await writeProductSnapshot(config.warehouseDir, rows);
    const scope: AccessScope = { principal: { user: 'ana', role: 'consumer', teams: ['analytics'] } };
    const registry = await platform.registry();
    // The registry is the commit point: the snapshot written above is current once it says so.
    await setCurrentSnapshot(registry.db, 'identity/people', 1, {
      snapshotId: 'snap-bench',
      version: '1.0.0',
      runId: 'bench',
      rows,
      publishedAt: new Date().toISOString(),
    });
    // What the run's publish step does once for a product with PII columns (engine/masked-copy.ts).
    const copyMs = await timed(async () => {
      const engine = await openEngine({ workDir: mkdtempSync(join(dir, 'publish-')) });
      try {
        await writeMaskedCopy(engine, file, bundleColumns(bundle), 'bench-masking-key');
      } finally {
        engine.close();
      }
    });
    const download = (who: AccessScope, hashKey: string) =>
      timed(async () => {
        const exported = await exportData(registry, who, 'identity/people', {
          warehouseDir: config.warehouseDir,
          format: 'parquet',
          hashKey,
        });
        for await (const _chunk of exported.body) {
          /* drain, as a client would */
        }
      });
    const baseline = await timed(() => copyWhole(file, join(dir, 'baseline.parquet')));
    const unmasked = await download(localScope('root'), 'bench-masking-key');
    const masked = await download(scope, 'bench-masking-key');
    // Another key finds no copy of its own: masked on the fly, per download (how every masked download was served before).
    const onTheFly = await download(scope, 'another-bench-key');
    report.note(`download of ${rows.toLocaleString()} rows, 3 of 6 columns masked (hash, partial, redact), parquet`);
    report.metric('reading the parquet whole (COPY unmasked, baseline)', baseline / 1000, 's');
    report.metric('unmasked download (decide + stream the snapshot)', unmasked / 1000, 's');
    report.metric('masked download (decide + stream the masked copy)', masked / 1000, 's');
    report.metric('masked download / reading whole', masked / baseline, '×', { max: 1.2 });
    report.metric('masked download / unmasked download', masked / unmasked, '×');
    report.metric('— masked on the fly (no copy for the key: decide + masked COPY + stream)', onTheFly / 1000, 's');
    report.metric('— masked on the fly / reading whole', onTheFly / baseline, '×');
    report.metric('masked copy written at publish (once per run, not per download)', copyMs / 1000, 's');
  } finally {
    await platform.close();
  }
}

async function writeProductSnapshot(warehouseDir: string, rows: number): Promise<string> {
  const dir = productWarehouseDir(warehouseDir, 'identity/people', 1);
  const file = snapshotFile(dir, 'snap-bench');
  mkdirSync(join(dir, 'snapshots', 'snap-bench'), { recursive: true });
  const engine = await openEngine();
  try {
    await engine.connection.run(
      `COPY (SELECT i AS id, 'user' || i || '@example.com' AS email, 'Name ' || (i % 100000) AS name,
              '+47 ' || (10000000 + i % 9000000) AS phone, ['NO','SE','DK','FI'][1 + i % 4] AS country, (i % 1000) / 10.0 AS amount
            FROM range(${rows}) t(i)) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION snappy)`,
    );
  } finally {
    engine.close();
  }
  writeCurrentPointer(dir, {
    snapshotId: 'snap-bench',
    version: '1.0.0',
    runId: 'bench',
    rows,
    publishedAt: new Date().toISOString(),
  });
  return file;
}

function bundleColumns(bundle: { yaml: string }): ColumnSpec[] {
  return (JSON.parse(bundle.yaml) as DataProduct).spec.schema.columns;
}

async function copyWhole(file: string, out: string): Promise<void> {
  const engine = await openEngine();
  try {
    await engine.connection.run(
      `COPY (SELECT * FROM read_parquet(${quoteLiteral(file)})) TO ${quoteLiteral(out)} (FORMAT parquet, COMPRESSION snappy)`,
    );
  } finally {
    engine.close();
  }
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
