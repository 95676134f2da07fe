/**
 * N workers on N hosts over one registry: 2 `mesh serve` and 3 `mesh worker` processes of the
 * built CLI, each in a network namespace (and hostname) of its own, share a PostgreSQL
 * registry and queue (a private cluster on the bridge) and one warehouse folder, with 100
 * products on a 1-minute schedule. Over two cron minutes: every scheduled run happens exactly
 * once, no two runs of a product overlap, a worker SIGKILLed mid-run has its run recorded
 * failed and finished by another (no attempt spent on "already running"), and a consumer
 * downloading through the serves all the while only ever sees complete snapshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mesh } from '../helpers/run-mesh.js';
import { canMakeNetHosts } from '../helpers/net-hosts.js';
import {
  allRuns,
  claimedInstants,
  createMeshCluster,
  publishScheduledProducts,
  type ClusterRun,
  type MeshCluster,
  type MeshProcess,
} from '../helpers/mesh-cluster.js';

const PRODUCTS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const minuteAfter = (ms: number) => new Date(Math.ceil(ms / 60_000) * 60_000);

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  pollMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

interface Read {
  readonly product: string;
  readonly snapshot: string;
  readonly rowsHeader: number;
  readonly rowsRead: number;
}

/** Downloads random products through the serves, one after another, until stopped. */
function consumer(serves: MeshProcess[], token: string, products: string[]) {
  const reads: Read[] = [];
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const product = products[Math.floor(Math.random() * products.length)];
      const serve = serves[i % serves.length];
      const res = await fetch(`${serve.url}/v1/products/${product}/data?format=csv`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await res.text();
      if (res.status === 200)
        reads.push({
          product,
          snapshot: res.headers.get('x-mesh-snapshot')!,
          rowsHeader: Number(res.headers.get('x-mesh-rows')),
          rowsRead: body.trim().split('\n').length - 1,
        });
      await sleep(100);
    }
  })();
  return {
    reads,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

function expectNoOverlap(runs: ClusterRun[]): void {
  const byProduct = new Map<string, ClusterRun[]>();
  for (const r of runs) byProduct.set(r.product, [...(byProduct.get(r.product) ?? []), r]);
  for (const [product, list] of byProduct) {
    for (let i = 1; i < list.length; i++)
      expect(
        list[i].startedAt >= (list[i - 1].finishedAt ?? '~'),
        `${product}: ${list[i - 1].id} and ${list[i].id} overlap`,
      ).toBe(true);
  }
}

describe.skipIf(!canMakeNetHosts())('2 serves and 3 workers on 5 hosts over one registry', () => {
  let cluster: MeshCluster;
  let token: string;
  let products: string[];

  beforeAll(async () => {
    cluster = await createMeshCluster(5, 'mhtest');
    const init = await mesh(['admin', 'init', '--json'], { env: cluster.env });
    expect(init.stderr).toBe('');
    token = (JSON.parse(init.stdout) as { token: string }).token;
    products = await publishScheduledProducts(cluster, PRODUCTS, 1);
    const [a, b, ...workers] = cluster.net.hosts;
    // The first process installs the queue's schema; the others start together.
    await cluster.start('serve', a, 2);
    await Promise.all([cluster.start('serve', b, 2), ...workers.map((h) => cluster.start('worker', h, 3))]);
  }, 120_000);
  afterAll(async () => {
    await cluster?.dispose();
  }, 60_000);

  it('runs every scheduled instant once, never overlapping, surviving a SIGKILLed worker, serving only complete snapshots', async () => {
    const serves = cluster.processes.filter((p) => p.kind === 'serve');
    const workers = cluster.processes.filter((p) => p.kind === 'worker');
    const reader = consumer(serves, token, products);
    // Two whole cron minutes after everything is up.
    const first = minuteAfter(Date.now() + 5_000);
    const second = new Date(first.getTime() + 60_000);

    // Mid-way through the first minute's runs, a worker holding a run is killed.
    await until(
      'the first minute to be enqueued',
      async () => (await claimedInstants(cluster.registry, first.toISOString())).length >= PRODUCTS,
      90_000,
    );
    const victim = await until(
      'a worker in the extract of a run',
      async () => {
        // A lock taken a moment ago: its run is waiting on the source, far from its commit.
        const locks = await cluster.registry.db
          .selectFrom('run_locks')
          .innerJoin('pipeline_runs', 'pipeline_runs.id', 'run_locks.run_id')
          .select(['run_locks.holder', 'run_locks.run_id', 'run_locks.product_id'])
          .where('pipeline_runs.status', '=', 'running')
          .where('run_locks.acquired_at', '>', new Date(Date.now() - 300).toISOString())
          .execute();
        for (const lock of locks) {
          const host = (JSON.parse(lock.holder) as { host: string }).host;
          const worker = workers.find((w) => w.host.hostname === host);
          if (worker) return { worker, runId: lock.run_id, product: lock.product_id };
        }
        return undefined;
      },
      30_000,
      50,
    );
    victim.worker.child.kill('SIGKILL');

    const expected = products.flatMap((p) => [first, second].map((m) => `${p} ${m.toISOString()}`)).sort();
    await until(
      'every run of both minutes',
      async () => {
        const done = new Set(
          (await allRuns(cluster.registry))
            .filter((r) => r.status === 'succeeded')
            .map((r) => `${r.product} ${r.scheduledAt}`),
        );
        return expected.every((k) => done.has(k));
      },
      second.getTime() + 100_000 - Date.now(),
    );
    await reader.stop();
    await cluster.stopAll();
    // Runs of a third minute may have begun before the stop: only the two minutes are judged.
    const runs = (await allRuns(cluster.registry)).filter((r) => (r.scheduledAt ?? '') <= second.toISOString());

    // Exactly once: one succeeded run per claimed (product, instant), and every instant claimed once.
    const claimed = await claimedInstants(cluster.registry, second.toISOString());
    expect(claimed).toEqual(expect.arrayContaining(expected));
    const succeeded = runs.filter((r) => r.status === 'succeeded').map((r) => `${r.product} ${r.scheduledAt}`);
    expect(succeeded.length, 'no instant ran twice').toBe(new Set(succeeded).size);
    for (const key of claimed) expect(succeeded, `${key} ran`).toContain(key);
    expectNoOverlap(runs);

    // The killed worker's run: recorded failed (abandoned), and finished by another worker.
    const killed = runs.find((r) => r.id === victim.runId)!;
    expect(killed).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^abandoned: its worker on mh-mhtest-.* was declared dead/),
    });
    const redone = runs.find(
      (r) => r.product === victim.product && r.scheduledAt === killed.scheduledAt && r.status === 'succeeded',
    );
    expect(redone, 'the killed run, redone').toBeDefined();
    expect(redone!.startedAt >= killed.finishedAt!).toBe(true);
    // The only failures are abandoned runs; no attempt was spent on "already running".
    expect(runs.filter((r) => r.status !== 'succeeded' && !r.error?.startsWith('abandoned:'))).toEqual([]);
    for (const p of cluster.processes) {
      expect(p.stderr, `${p.kind} on ${p.host.hostname}`).not.toContain('already running');
      expect(p.stderr, `${p.kind} on ${p.host.hostname}`).not.toContain('scheduled run failed');
    }

    // Every read was a complete snapshot of a recorded run.
    expect(reader.reads.length).toBeGreaterThan(100);
    const bySnapshot = new Map(runs.filter((r) => r.snapshotId).map((r) => [r.snapshotId!, r]));
    for (const read of reader.reads) {
      expect(read.rowsRead, `${read.product} ${read.snapshot}`).toBe(read.rowsHeader);
      expect(bySnapshot.get(read.snapshot)).toMatchObject({
        product: read.product,
        rowsOut: read.rowsRead,
        status: 'succeeded',
      });
    }
  }, 240_000);
});
