/**
 * A Meshwork deployment over net hosts (net-hosts.ts): a private PostgreSQL registry and
 * queue on the bridge, one shared MESH_HOME (the warehouse), products on a 1-minute
 * schedule whose extract waits on the source (I/O-bound), and `mesh serve` / `mesh worker`
 * processes of the built CLI, each in a host of its own. Used by the multi-host test and bench.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { openRegistry, type Registry } from '../../src/registry/registry.js';
import {
  createNetHosts,
  startPrivatePostgres,
  type NetHost,
  type NetHosts,
  type PrivatePostgres,
} from './net-hosts.js';
import { pipelineBundle } from './pipelines.js';
import { MESH_BIN } from './run-mesh.js';

export interface MeshProcess {
  readonly kind: 'serve' | 'worker';
  readonly host: NetHost;
  readonly child: ChildProcess;
  /** What it printed on stderr (its JSON log lines). */
  stderr: string;
  /** `mesh serve`: its API. */
  url?: string;
  exited?: boolean;
}

export interface MeshCluster {
  readonly net: NetHosts;
  readonly registry: Registry;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly processes: MeshProcess[];
  start(kind: 'serve' | 'worker', host: NetHost, concurrency: number): Promise<MeshProcess>;
  /** SIGTERM every process still alive and wait for it to exit. */
  stopAll(): Promise<void>;
  dispose(): Promise<void>;
}

export async function createMeshCluster(hostCount: number, label: string): Promise<MeshCluster> {
  const net = createNetHosts(hostCount, label);
  let server: PrivatePostgres | undefined;
  const home = mkdtempSync(join(tmpdir(), `mh-${label}-`));
  const processes: MeshProcess[] = [];
  try {
    server = await startPrivatePostgres([net.bridgeAddress], net.subnet);
    const admin = new pg.Client({ connectionString: server.url(net.bridgeAddress) });
    await admin.connect();
    await admin.query(`create database mh_registry`);
    await admin.end();
    const url = server.url(net.bridgeAddress, 'mh_registry');
    const registry = await openRegistry({ url });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MESH_HOME: join(home, '.mesh'),
      MESH_DATABASE_URL: url,
      MESH_SERVER: '',
      MESH_ENV_GRANTS: 'sales=SALES_*',
      SALES_SOURCE_URL: url,
    };
    const stopAll = async () => {
      await Promise.all(processes.filter((p) => !p.exited).map((p) => stopProcess(p)));
    };
    return {
      net,
      registry,
      env,
      home,
      processes,
      start: async (kind, host, concurrency) => {
        const p = await startProcess(net, env, kind, host, concurrency);
        processes.push(p);
        return p;
      },
      stopAll,
      dispose: async () => {
        await stopAll();
        await registry.close();
        server?.stop();
        net.dispose();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const p of processes) p.child.kill('SIGKILL');
    server?.stop();
    net.dispose();
    rmSync(home, { recursive: true, force: true });
    throw e;
  }
}

async function startProcess(
  net: NetHosts,
  env: NodeJS.ProcessEnv,
  kind: 'serve' | 'worker',
  host: NetHost,
  concurrency: number,
): Promise<MeshProcess> {
  const args =
    kind === 'serve'
      ? ['serve', '--host', host.address, '--port', '0']
      : ['worker', '--concurrency', String(concurrency)];
  const child = net.spawnIn(host, process.execPath, [MESH_BIN, ...args], {
    env: { ...env, MESH_WORKER_CONCURRENCY: String(concurrency) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: MeshProcess = { kind, host, child, stderr: '' };
  // A test process that exits without its afterAll leaves no process behind (registered before the hosts' own cleanup runs).
  const orphan = () => child.kill('SIGKILL');
  process.prependOnceListener('exit', orphan);
  child.stderr!.on('data', (d: Buffer) => (p.stderr += d.toString()));
  child.once('exit', () => {
    p.exited = true;
    process.off('exit', orphan);
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) p.url = m[1];
      if (m || /worker running/.test(out)) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`mesh ${kind} on ${host.hostname} exited with ${code}: ${p.stderr}`)),
    );
  });
  return p;
}

async function stopProcess(p: MeshProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => (p.exited ? resolve() : p.child.once('exit', () => resolve())));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/**
 * `count` products on a 1-minute schedule (sales/mh-000 …). Each extract waits `sleepSeconds`
 * on the source (pg_sleep: an I/O-bound product) and yields 10–16 rows, a number that changes
 * with the minute, so a snapshot's row count tells which run wrote it.
 */
export async function publishScheduledProducts(
  cluster: MeshCluster,
  count: number,
  sleepSeconds: number,
): Promise<string[]> {
  const platform = new LocalPlatform({
    registry: cluster.registry,
    config: { ...configFromEnv(cluster.env, cluster.home), actor: 'test:multi-host' },
  });
  const ids: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const name = `mh-${String(i).padStart(3, '0')}`;
      const bundle = pipelineBundle({
        domain: 'sales',
        name,
        inputs: [
          {
            name: 'source',
            source: {
              type: 'postgres',
              connection: '${SALES_SOURCE_URL}',
              query: `SELECT g AS id, 'row ' || g AS label FROM pg_sleep(${sleepSeconds}), generate_series(1, 10 + extract(minute FROM now())::int % 7) AS g`,
            },
          },
        ],
        sql: 'SELECT id, label FROM source',
        columns: [
          { name: 'id', type: 'integer', nullable: false, pii: 'none' },
          { name: 'label', type: 'varchar', nullable: false, pii: 'none' },
        ],
        primaryKey: ['id'],
      });
      const product = JSON.parse(bundle.yaml) as { spec: { schedule?: string } };
      product.spec.schedule = '* * * * *';
      await platform.publish({ ...bundle, yaml: JSON.stringify(product, null, 2) });
      ids.push(`sales/${name}`);
    }
  } finally {
    await platform.close();
  }
  return ids;
}

/** One recorded run, as the registry holds it. */
export interface ClusterRun {
  readonly id: string;
  readonly product: string;
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly scheduledAt: string | null;
  readonly snapshotId: string | null;
  readonly rowsOut: number | null;
  readonly error: string | null;
}

export async function allRuns(registry: Registry): Promise<ClusterRun[]> {
  const rows = await registry.db.selectFrom('pipeline_runs').selectAll().orderBy('started_at').execute();
  return rows.map((r) => ({
    id: r.id,
    product: r.product_id,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    scheduledAt: r.scheduled_at,
    snapshotId: r.snapshot_id,
    rowsOut: r.rows_out === null ? null : Number(r.rows_out),
    error: r.error,
  }));
}

/** The (product, instant) pairs the queue has claimed, up to `until` (ISO). */
export async function claimedInstants(registry: Registry, until: string): Promise<string[]> {
  const rows = await registry.db
    .selectFrom('scheduled_runs')
    .select(['product_id', 'scheduled_at'])
    .where('scheduled_at', '<=', until)
    .execute();
  return rows.map((r) => `${r.product_id} ${r.scheduled_at}`).sort();
}
