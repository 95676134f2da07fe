/**
 * Scheduled runs per minute with 1, 2 and 3 `mesh worker` processes, each on a host of its own
 * (a network namespace: test/helpers/net-hosts.ts), over one PostgreSQL registry and queue, on
 * I/O-bound products (each extract waits on the source: pg_sleep). Each phase starts from a
 * fresh registry with a backlog of scheduled instants (more than the phase can run), counts
 * the runs that finished during MESH_BENCH_SECONDS (default 60), and reports them per minute;
 * the target is 3 workers ≥ 2.5× one. Workers run one run at a time, so the scaling measured
 * is across hosts. Needs root (network namespaces), like the multi-host test.
 */
import { enqueueDueRuns } from '../src/server/scheduler/queue-scheduler.js';
import { canMakeNetHosts } from '../test/helpers/net-hosts.js';
import { createMeshCluster, publishScheduledProducts } from '../test/helpers/mesh-cluster.js';
import { RATIO_UNIT, type BenchReport } from './bench-report.js';

const PRODUCTS = 60;
const INSTANTS = 3;
const SOURCE_WAIT_SECONDS = 1.5;

export async function bench(report: BenchReport): Promise<void> {
  if (!canMakeNetHosts()) {
    report.note('skipped: network namespaces need root, iproute2, unshare and PostgreSQL 15 server binaries');
    return;
  }
  const seconds = Number(process.env.MESH_BENCH_SECONDS) || 60;
  report.note(
    `${PRODUCTS} products, each extract waiting ${SOURCE_WAIT_SECONDS} s on the source; ${seconds} s per phase; one run at a time per worker`,
  );
  const perMinute = new Map<number, number>();
  for (const workers of [1, 2, 3]) {
    const rate = await runsPerMinute(workers, seconds);
    perMinute.set(workers, rate);
    report.metric(
      `${workers} worker${workers > 1 ? 's' : ''} on ${workers} host${workers > 1 ? 's' : ''}`,
      rate,
      'runs/min',
    );
  }
  report.metric('2 workers vs 1', perMinute.get(2)! / perMinute.get(1)!, RATIO_UNIT);
  report.metric('3 workers vs 1', perMinute.get(3)! / perMinute.get(1)!, RATIO_UNIT, { min: 2.5 });
}

async function runsPerMinute(workers: number, seconds: number): Promise<number> {
  const cluster = await createMeshCluster(workers, 'mhbench');
  try {
    await publishScheduledProducts(cluster, PRODUCTS, SOURCE_WAIT_SECONDS);
    // The first worker installs the queue's schema; the others start together.
    const [first, ...rest] = cluster.net.hosts;
    await cluster.start('worker', first, 1);
    await Promise.all(rest.map((h) => cluster.start('worker', h, 1)));
    // A backlog of past instants, as after an outage: more runs than a phase can do.
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    for (let i = INSTANTS; i >= 1; i--) await enqueueDueRuns(cluster.registry, new Date(now - i * 60_000));
    const from = new Date().toISOString();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const to = new Date().toISOString();
    const done = await cluster.registry.db
      .selectFrom('pipeline_runs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'succeeded')
      .where('finished_at', '>=', from)
      .where('finished_at', '<', to)
      .executeTakeFirstOrThrow();
    return (Number(done.n) / seconds) * 60;
  } finally {
    await cluster.dispose();
  }
}
