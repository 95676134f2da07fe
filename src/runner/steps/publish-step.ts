/**
 * Publish, in two halves around the commit point (the run's registry transaction, recorded
 * by record-step.ts): `publishStep` prepares every port (invisible work) and stages the
 * undoable last steps, so a failure or a kill before the commit leaves every reader on the
 * last good snapshot; `completePublication`, after the commit, makes the ports follow it —
 * SQL swaps committed, then `current.json`, then the stream messages (which cannot be taken
 * back, so never sent for a snapshot the registry has not committed). Dry runs skip it.
 */
import { nowIso } from '../../core/clock.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataProduct } from '../../descriptor/data-product-schema.js';
import { ParquetPort } from '../../ports/parquet-port.js';
import { PostgresPort } from '../../ports/postgres-port.js';
import { StreamPort } from '../../ports/stream-port.js';
import type { OutputPort, PreparedPublication } from '../../ports/output-port.js';
import { recordedSnapshotIds } from '../../registry/operations/runs/current-snapshot.js';
import type { Engine } from '../../engine/duckdb-engine.js';
import { openPlatformEngine } from '../../engine/sandbox.js';
import { writeMaskedCopy } from '../../engine/masked-copy.js';
import { messageOf, runEngineOf, type RunContext } from '../run-context.js';
import { timedStep } from '../run-step.js';
import { killPoint } from '../test-kill-point.js';

type Prepared = Array<{ port: string; publication: PreparedPublication }>;

export async function publishStep(ctx: RunContext): Promise<void> {
  if (ctx.dryRun) {
    ctx.steps.push({ name: 'publish', status: 'skipped', startedAt: nowIso(), ms: 0 });
    return;
  }
  await timedStep(
    ctx,
    'publish',
    async () => {
      await runEngineOf(ctx).exportCandidate(ctx);
      const publishedAt = nowIso();
      const parquetSpec = ctx.product.spec.outputPorts.find((p) => p.type === 'parquet');
      const prepared = await preparePorts(ctx, publishedAt);
      killPoint(ctx.env, 'after-prepare');
      try {
        for (const p of prepared) await p.publication.stage?.();
      } catch (e) {
        await abortPublication(prepared);
        throw e;
      }
      ctx.pending = prepared;
      const locations = prepared.map((p) => p.publication.location);
      ctx.ports = parquetSpec ? locations : locations.filter((l) => l.name !== 'warehouse' || l.type !== 'parquet');
      ctx.snapshot = {
        id: ctx.runId,
        product: ctx.def.productId,
        version: ctx.def.version,
        runId: ctx.runId,
        rows: ctx.rowsOut ?? 0,
        ports: ctx.ports,
        publishedAt,
      };
      killPoint(ctx.env, 'after-stage');
    },
    () => ctx.rowsOut ?? undefined,
  );
}

/** An engine of the platform's own (not locked to the run folder), closed with the run. */
async function platformEngine(ctx: RunContext): Promise<Engine> {
  const opened = await openPlatformEngine(ctx.workRoot);
  ctx.closers.push(async () => opened.close());
  return opened;
}

/**
 * After the registry commit: each port follows it. Past the commit point the snapshot is
 * published; a port that cannot follow now does not unpublish it. The run succeeds with a
 * warning; a SQL port or pointer file is brought up to date by the next publication, and the
 * next publication streams the changes since the last snapshot the stream announced.
 */
export async function completePublication(ctx: RunContext): Promise<void> {
  const pending = ctx.pending;
  ctx.pending = [];
  const follow = async (kind: string) => {
    for (const p of pending.filter((q) => q.port === kind)) {
      try {
        await p.publication.commit();
      } catch (e) {
        ctx.portWarnings.push(
          ctx.scrub(
            kind === 'stream'
              ? `output port (stream) not updated: ${messageOf(e)}; its consumers catch up at the next publication`
              : `output port (${kind}) not updated: ${messageOf(e)}; it follows at the next publication`,
          ),
        );
      }
    }
  };
  await follow('postgres');
  killPoint(ctx.env, 'after-sql-ports');
  await follow('parquet');
  killPoint(ctx.env, 'after-pointer');
  await follow('stream');
  killPoint(ctx.env, 'after-stream');
}

/** Undoes what prepare and stage did (before the commit point only). */
export async function abortPublication(prepared: Prepared): Promise<void> {
  for (const p of prepared) await p.publication.abort().catch(() => undefined);
}

async function preparePorts(ctx: RunContext, publishedAt: string): Promise<Prepared> {
  const { def } = ctx;
  const base = {
    productId: def.productId,
    major: def.major,
    version: def.version,
    runId: ctx.runId,
    snapshotId: ctx.runId,
    rows: ctx.rowsOut ?? 0,
    publishedAt,
    previousFile: ctx.previous?.file,
    store: ctx.store,
    workDir: ctx.workRoot,
    columns: ctx.product.spec.schema.columns,
    primaryKey: ctx.product.spec.schema.primaryKey,
    // The platform's own engine: publishing reads the warehouse, which the sandboxed one cannot.
    engine: await platformEngine(ctx),
    env: ctx.env,
    builtIn: runEngineOf(ctx).builtIn?.(ctx),
    access: ctx.product.spec.outputPorts.some((p) => p.type !== 'parquet')
      ? await ctx.portAccess?.(def.productId, def.major)
      : undefined,
  };
  const parquetSpec = ctx.product.spec.outputPorts.find((p) => p.type === 'parquet');
  const recorded = await recordedSnapshotIds(ctx.registry!, def.productId);
  const warehouse = new ParquetPort(ctx.store, parquetSpec, recorded);
  const prepared: Prepared = [];
  try {
    // Published with the snapshot under its prefix, so it is kept and pruned with it (engine/masked-copy.ts).
    const masked =
      ctx.maskedCopyKey === undefined
        ? undefined
        : await writeMaskedCopy(base.engine, ctx.candidate, base.columns, ctx.maskedCopyKey);
    const { file, publication } = await warehouse.prepareFrom(
      { data: ctx.candidate, beside: masked ? [masked] : [] },
      base,
    );
    prepared.push({ port: 'parquet', publication });
    await pauseForTests(ctx.env);
    const portCtx = { ...base, snapshotFile: file };
    const { ports: own, leftTo } = otherPorts(ctx.product, def.successor);
    ctx.publishNote = leftTo.length
      ? `left to ${def.successor!.version}, which publishes there too: ${leftTo.join(', ')}`
      : undefined;
    for (const port of own) prepared.push({ port: port.type, publication: await port.prepare(portCtx) });
  } catch (e) {
    await abortPublication(prepared);
    throw e;
  }
  return prepared;
}

/**
 * The ports a run publishes to beside the warehouse. An older major running beside its
 * successor leaves it every port they share — the product's one stream, a SQL table of the
 * same name — so readers of the new major never see old-major rows there.
 */
function otherPorts(
  product: DataProduct,
  successor?: { readonly product: DataProduct },
): { ports: OutputPort[]; leftTo: string[] } {
  const ports: OutputPort[] = [];
  const leftTo: string[] = [];
  const theirs = successor?.product.spec.outputPorts ?? [];
  for (const spec of product.spec.outputPorts) {
    if (spec.type !== 'stream' && spec.type !== 'postgres') continue;
    const shared = theirs.some(
      (t) =>
        t.type === spec.type &&
        (spec.type === 'stream' || (t.connection === spec.connection && t.table === spec.table)),
    );
    if (shared) leftTo.push(`${spec.name} (${spec.type})`);
    else ports.push(spec.type === 'stream' ? new StreamPort(spec, product) : new PostgresPort(spec));
  }
  return { ports, leftTo };
}

/** Test hook: MESH_TEST_PAUSE_AT=publish stops here (snapshot files in place, not committed) so a test can kill the process. */
async function pauseForTests(env: NodeJS.ProcessEnv): Promise<void> {
  if (env.MESH_TEST_PAUSE_AT !== 'publish') return;
  process.stderr.write('MESH_TEST_PAUSED publish\n');
  await sleep(Number(env.MESH_TEST_PAUSE_MS ?? 30_000));
}
