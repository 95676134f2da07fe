/**
 * One pipeline run: extract → transform → conform → audit → publish, each step timed and
 * recorded. Any failure ends the run as a recorded failed run (never a half publication):
 * nothing becomes visible before every port has prepared, and the watermark only moves
 * together with the publication, in the same registry transaction.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, MeshError } from '../core/errors.js';
import { planConform } from '../engine/conform-schema.js';
import { openEngine, restrictFileAccess, type Engine } from '../engine/duckdb-engine.js';
import { countNulls, runQualityChecks, type CheckOutcome } from '../engine/quality-checks.js';
import { readSnapshotStats } from '../engine/snapshot-stats.js';
import { quoteIdent, quoteLiteral, stripTrailingSemicolon } from '../engine/sql-text.js';
import { transformSqlError } from '../engine/transform-sql-error.js';
import type { MeshConfig } from '../core/mesh-config.js';
import { ParquetPort } from '../ports/parquet-port.js';
import { PostgresPort } from '../ports/postgres-port.js';
import { StreamPort } from '../ports/stream-port.js';
import type { OutputPort, PortLocation, PreparedPublication } from '../ports/output-port.js';
import { readCurrentSnapshot } from '../ports/warehouse.js';
import type { NewEvent } from '../registry/operations/events/append-event.js';
import { finishRun } from '../registry/operations/runs/finish-run.js';
import { getWatermarks } from '../registry/operations/runs/get-watermarks.js';
import { recentRowCounts } from '../registry/operations/runs/recent-row-counts.js';
import { renewRunLock } from '../registry/operations/runs/run-lock.js';
import type {
  CheckResultRecord,
  RunInputRecord,
  RunStepRecord,
  SnapshotRecord,
} from '../registry/operations/runs/run-records.js';
import { startRun } from '../registry/operations/runs/start-run.js';
import type { Registry } from '../registry/registry.js';
import type { DataProduct, InputSpec } from '../descriptor/data-product-schema.js';
import { extractFile } from './extract/extract-file.js';
import { extractMysql } from './extract/extract-mysql.js';
import { connectPostgresStream, extractPostgres, type StreamedInput } from './extract/extract-postgres.js';
import { extractProduct } from './extract/extract-product.js';
import type { ExtractContext, Extracted } from './extract/extract-types.js';
import type { RunObserver } from './run-observer.js';
import type { RunOutcome } from './run-outcome.js';

export interface PipelineDefinition {
  readonly productId: string;
  readonly version: string;
  readonly major: number;
  readonly product: DataProduct;
  readonly transformSql?: string;
  /** Where relative file paths resolve. */
  readonly baseDir: string;
  /**
   * The product's latest version, when this run is of an older major kept running until its
   * sunset: ports the two share are left to it, and the run's events are about `<id>@<major>`
   * (the product's own freshness and alerts follow its latest major).
   */
  readonly successor?: { readonly version: string; readonly product: DataProduct };
}

export interface RunPipelineOptions {
  /** Absent for dry runs, which record nothing. */
  readonly registry?: Registry;
  readonly config: MeshConfig;
  readonly env?: NodeJS.ProcessEnv;
  readonly trigger?: 'manual' | 'schedule' | 'api';
  readonly dryRun?: boolean;
  readonly observer?: RunObserver;
  /** Run-lock lease; renewed every third of it while the run is alive. */
  readonly leaseMs?: number;
}

const DEFAULT_LEASE_MS = 60_000;

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '').replace('T', 't').toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
}

function inputKind(input: InputSpec): string {
  return input.product ? 'product' : (input.source?.type ?? 'unknown');
}

function isIncremental(input: InputSpec): boolean {
  return Boolean(input.source?.watermark && /(?<![:\w]):last_run\b/.test(input.source.query ?? ''));
}

export async function runPipeline(def: PipelineDefinition, options: RunPipelineOptions): Promise<RunOutcome> {
  const env = options.env ?? process.env;
  const dryRun = options.dryRun ?? !options.registry;
  const registry = dryRun ? undefined : options.registry;
  const trigger = options.trigger ?? 'manual';
  const observer = options.observer ?? {};
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const runId = newRunId();
  const startedAt = new Date().toISOString();
  const { product } = def;

  if (registry) {
    await startRun(registry, {
      id: runId,
      productId: def.productId,
      version: def.version,
      trigger,
      actor: options.config.actor,
      startedAt,
      leaseMs,
    });
  }
  observer.onStart?.({
    runId,
    product: def.productId,
    version: def.version,
    trigger,
    dryRun,
    startedAt,
    inputs: product.spec.inputs.map((i) => ({
      name: i.name,
      kind: inputKind(i),
      ref: i.product ?? i.source?.path ?? i.source?.type ?? '',
    })),
    outputPorts: product.spec.outputPorts.map((p) => ({ name: p.name, type: p.type })),
  });
  const renew = registry
    ? setInterval(
        () => void renewRunLock(registry, def.productId, runId, leaseMs).catch(() => undefined),
        Math.max(1000, leaseMs / 3),
      )
    : undefined;
  renew?.unref();

  const steps: RunStepRecord[] = [];
  const inputs: RunInputRecord[] = [];
  let checks: CheckOutcome[] = [];
  let rowsOut: number | null = null;
  let ports: PortLocation[] = [];
  let snapshot: SnapshotRecord | undefined;
  const watermarks: Array<{ input: string; value: string | number }> = [];
  let error: string | null = null;
  /** Problems that did not fail the run (a stream port unreachable after the commit point). */
  const portWarnings: string[] = [];
  let publishNote: string | undefined;
  const workRoot = dryRun
    ? mkdtempSync(join(tmpdir(), 'mesh-run-'))
    : prepareWorkDir(options.config.warehouseDir, def.productId, runId);
  let engine: Engine | undefined;
  const closers: Array<() => Promise<void>> = [];
  const inputRecords = new Map<string, RunInputRecord>();

  const step = async <T>(name: string, fn: () => Promise<T>, rows?: (t: T) => number | undefined): Promise<T> => {
    observer.onStepStart?.(name);
    const started = Date.now();
    const at = new Date(started).toISOString();
    try {
      const result = await fn();
      const record: RunStepRecord = {
        name,
        status: 'succeeded',
        startedAt: at,
        ms: Date.now() - started,
        rows: rows?.(result),
      };
      steps.push(record);
      observer.onStep?.(record);
      return result;
    } catch (e) {
      const record: RunStepRecord = {
        name,
        status: 'failed',
        startedAt: at,
        ms: Date.now() - started,
        error: messageOf(e),
      };
      steps.push(record);
      observer.onStep?.(record);
      throw e;
    }
  };

  try {
    const stagingDir = join(workRoot, 'staging');
    mkdirSync(stagingDir, { recursive: true });
    const previous = dryRun ? undefined : readCurrentSnapshot(options.config.warehouseDir, def.productId, def.major);
    const lastRuns = registry
      ? await getWatermarks(registry, def.productId, def.major)
      : new Map<string, string | number>();

    // Extract: one staged table per input, named as the transform refers to it. One big
    // PostgreSQL input the transform reads once is not staged but streamed during the transform.
    const sql = transformSqlOf(def);
    const streamInput = product.spec.inputs.find((input) => canStream(input, sql, env));
    const contextOf = (input: InputSpec): Omit<ExtractContext, 'engine'> => ({
      input,
      table: input.name,
      workDir: stagingDir,
      env,
      baseDir: def.baseDir,
      warehouseDir: options.config.warehouseDir,
      registry,
      lastRun: isIncremental(input) ? lastRuns.get(input.name) : undefined,
      // A streamed input's rows arrive while the transform runs.
      onRows: (rows) =>
        observer.onProgress?.({ step: input === streamInput ? 'transform' : 'extract', input: input.name, rows }),
    });
    // The streamed input connects to its source while the engine starts; a failure there is the extract step's.
    const connecting = streamInput ? connectPostgresStream(contextOf(streamInput)) : undefined;
    if (connecting)
      closers.push(() =>
        connecting.then(
          (pending) => pending.close(),
          () => undefined,
        ),
      );
    connecting?.catch(() => undefined);
    engine = await openEngine({ workDir: workRoot });
    /** What an input gave (rows, watermark, snapshot read), and the watermark to advance to if the run publishes. */
    const recordInput = (input: InputSpec, extracted: Extracted): void => {
      inputRecords.set(input.name, {
        name: input.name,
        kind: extracted.kind,
        rowsIn: extracted.rows,
        ...(extracted.watermark !== undefined ? { watermark: extracted.watermark } : {}),
        ...(extracted.snapshotId ? { snapshotId: extracted.snapshotId } : {}),
      });
      if (isIncremental(input)) {
        const value = extracted.watermark ?? lastRuns.get(input.name);
        if (value !== undefined && value !== null) watermarks.push({ input: input.name, value });
      }
    };
    let streamed: { input: InputSpec; stream: StreamedInput } | undefined;
    await step(
      'extract',
      async () => {
        let total = 0;
        for (const input of product.spec.inputs) {
          if (input === streamInput) {
            streamed = { input, stream: await (await connecting!).attach(engine!) };
            continue;
          }
          const ctx: ExtractContext = { ...contextOf(input), engine: engine! };
          const extracted = await extractInput(ctx);
          recordInput(input, extracted);
          if (!input.product) total += extracted.rows;
        }
        return total;
      },
      (n) => n,
    );
    // Inputs are staged (or opened): user SQL runs next, confined to the run's folder and the warehouse.
    await restrictFileAccess(
      engine,
      [workRoot, options.config.warehouseDir].filter((d) => existsSync(d)),
    );
    const sumRowsIn = () =>
      product.spec.inputs.filter((i) => !i.product).reduce((n, i) => n + (inputRecords.get(i.name)?.rowsIn ?? 0), 0);
    /** Runs an engine statement that reads the streamed input, while feeding it. */
    const withFeed = async <T>(work: () => Promise<T>): Promise<T> => {
      if (!streamed) return work();
      const s = streamed;
      const { result, fed } = await s.stream.feedWhile(work);
      recordInput(s.input, { kind: 'postgres', ...fed });
      return result;
    };

    // Transform, conformed to the declared schema on the way to the candidate parquet file.
    const candidateDir = join(workRoot, 'snapshot');
    mkdirSync(candidateDir, { recursive: true });
    const candidate = join(candidateDir, 'data.parquet');
    const merge = previous && product.spec.inputs.some(isIncremental) ? previous : undefined;
    const rowsTransformed = await step(
      'transform',
      async () => {
        const columns = await describeTransform(engine!, sql, transformLabel(product));
        const conform = planConform(columns, product.spec.schema.columns);
        if (conform.problems.length > 0)
          throw new InputError(`the transform result does not match spec.schema: ${conform.problems.join('; ')}`);
        // Skipping a no-op projection keeps the one-pass path as lean as a plain COPY.
        const shaped = conform.identity ? sql : `SELECT ${conform.selectList} FROM (\n${sql}\n) AS mesh_transform`;
        let produced: number;
        if (merge) {
          await withFeed(() => engine!.connection.run(`CREATE TABLE mesh_new AS ${shaped}`));
          produced = Number((await engine!.rows('SELECT count(*) AS n FROM mesh_new'))[0].n);
          const pk = product.spec.schema.primaryKey;
          const keep = pk?.length
            ? `SELECT p.* FROM read_parquet(${quoteLiteral(merge.file)}) AS p WHERE NOT EXISTS (SELECT 1 FROM mesh_new AS n WHERE ${pk.map((k) => `n.${quoteIdent(k)} IS NOT DISTINCT FROM p.${quoteIdent(k)}`).join(' AND ')})`
            : `SELECT * FROM read_parquet(${quoteLiteral(merge.file)})`;
          await writeParquet(engine!, `SELECT * FROM mesh_new UNION ALL BY NAME ${keep}`, candidate);
        } else {
          await withFeed(() => writeParquet(engine!, shaped, candidate));
        }
        await engine!.connection.run(`CREATE VIEW snapshot AS SELECT * FROM read_parquet(${quoteLiteral(candidate)})`);
        rowsOut = Number((await engine!.rows('SELECT count(*) AS n FROM snapshot'))[0].n);
        if (!merge) produced = rowsOut;
        return produced!;
      },
      () => rowsOut ?? undefined,
    );

    // What the snapshot file's footer knows (null counts, exact numeric ranges) settles some checks without a scan.
    const stats = await readSnapshotStats(engine, candidate, product.spec.schema.columns);
    await step('conform', async () => {
      const required = product.spec.schema.columns.filter((c) => c.nullable === false);
      if (required.length === 0) return;
      const nulls = await countNulls(
        engine!,
        required.map((c) => c.name),
        stats,
      );
      const bad = required.map((c) => ({ name: c.name, nulls: nulls.get(c.name)! })).filter((c) => c.nulls > 0);
      if (bad.length > 0)
        throw new InputError(
          `non-nullable column(s) hold nulls: ${bad.map((c) => `"${c.name}" (${c.nulls} null${c.nulls === 1 ? '' : 's'})`).join(', ')}`,
        );
    });

    await step('audit', async () => {
      const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
      checks = await runQualityChecks(engine!, product.spec.quality?.checks ?? [], product.spec.schema.columns, {
        rowsIn: sumRowsIn(),
        rowsTransformed,
        recentRowCounts: registry ? await recentRowCounts(registry, def.productId, def.major, since) : [],
        now: new Date(),
        stats,
      });
      const blocking = checks.filter((c) => c.status === 'fail' && c.severity === 'error');
      if (blocking.length > 0)
        throw new AuditFailed(
          `${blocking.length} blocking check(s) failed: ${blocking.map((c) => `${c.name}: ${c.message}`).join('; ')}`,
        );
    });

    if (dryRun) {
      steps.push({ name: 'publish', status: 'skipped', startedAt: new Date().toISOString(), ms: 0 });
    } else {
      await step(
        'publish',
        async () => {
          const publishedAt = new Date().toISOString();
          const base = {
            productId: def.productId,
            major: def.major,
            version: def.version,
            runId,
            snapshotId: runId,
            rows: rowsOut ?? 0,
            publishedAt,
            previousFile: previous?.file,
            warehouseDir: options.config.warehouseDir,
            columns: product.spec.schema.columns,
            primaryKey: product.spec.schema.primaryKey,
            engine: engine!,
            env,
          };
          const parquetSpec = product.spec.outputPorts.find((p) => p.type === 'parquet');
          const warehouse = new ParquetPort(options.config.warehouseDir, parquetSpec);
          const prepared: Array<{ port: string; publication: PreparedPublication }> = [];
          try {
            const { file, publication } = await warehouse.prepareFrom(candidateDir, base);
            prepared.push({ port: 'parquet', publication });
            await pauseForTests(env);
            const ctx = { ...base, snapshotFile: file };
            const { ports: own, leftTo } = otherPorts(product, def.successor);
            publishNote = leftTo.length
              ? `left to ${def.successor!.version}, which publishes there too: ${leftTo.join(', ')}`
              : undefined;
            for (const port of own) prepared.push({ port: port.type, publication: await port.prepare(ctx) });
          } catch (e) {
            for (const p of prepared) await p.publication.abort().catch(() => undefined);
            throw e;
          }
          // Commit order: the transactional SQL swap, then the pointer (system of record), then the stream notification.
          const order = ['postgres', 'parquet', 'stream'];
          prepared.sort((a, b) => order.indexOf(a.port) - order.indexOf(b.port));
          const locations: PortLocation[] = [];
          for (const p of prepared) {
            try {
              locations.push(await p.publication.commit());
            } catch (e) {
              // Past the pointer switch the snapshot is published; a stream that cannot be reached now
              // does not unpublish it. The run succeeds with a warning, and the next publication streams
              // the changes since the last snapshot the stream announced, so its consumers catch up.
              if (p.port !== 'stream') throw e;
              portWarnings.push(
                `output port (stream) not updated: ${messageOf(e)}; its consumers catch up at the next publication`,
              );
            }
          }
          ports = parquetSpec ? locations : locations.filter((l) => l.name !== 'warehouse' || l.type !== 'parquet');
          snapshot = {
            id: runId,
            product: def.productId,
            version: def.version,
            runId,
            rows: rowsOut ?? 0,
            ports,
            publishedAt,
          };
        },
        () => rowsOut ?? undefined,
      );
    }
  } catch (e) {
    error = messageOf(e);
  } finally {
    if (renew) clearInterval(renew);
    for (const close of closers) await close().catch(() => undefined);
    try {
      engine?.close();
    } catch {
      /* closing a failed engine must not hide the run's own error */
    }
    rmSync(workRoot, { recursive: true, force: true });
  }

  for (const input of product.spec.inputs) {
    const record = inputRecords.get(input.name);
    if (record) inputs.push(record);
  }
  const finishedAt = new Date().toISOString();
  const status = error ? 'failed' : 'succeeded';
  const checkRecords: CheckResultRecord[] = checks.map((c) => ({
    ...c,
    runId,
    product: def.productId,
    time: finishedAt,
  }));
  // The publish step carries the warning, so `mesh runs` shows it beside the step it concerns.
  const publishStep = steps.findIndex((s) => s.name === 'publish');
  if (publishStep >= 0 && (portWarnings.length || publishNote)) {
    steps[publishStep] = {
      ...steps[publishStep],
      ...(portWarnings.length ? { error: portWarnings.join('; ') } : {}),
      ...(publishNote ? { note: publishNote } : {}),
    };
  }
  const outcome: RunOutcome = {
    runId,
    product: def.productId,
    version: def.version,
    trigger,
    dryRun,
    status,
    startedAt,
    finishedAt,
    snapshotId: snapshot?.id ?? null,
    rowsOut,
    steps,
    inputs,
    checks: checkRecords,
    ports,
    error,
  };
  if (registry) {
    const subject = def.successor ? `${def.productId}@${def.major}` : def.productId;
    const events: NewEvent[] = [
      {
        type: status === 'succeeded' ? 'run.succeeded' : 'run.failed',
        subject,
        actor: options.config.actor,
        data: { runId, version: def.version, trigger, rowsOut, snapshotId: outcome.snapshotId, finishedAt, error },
      },
      ...checkRecords
        .filter((c) => c.status === 'fail')
        .map((c) => ({
          type: 'check.failed',
          subject,
          actor: options.config.actor,
          data: { runId, check: c.name, severity: c.severity, message: c.message },
        })),
      ...portWarnings.map((message) => ({
        type: 'port.failed',
        subject,
        actor: options.config.actor,
        data: { runId, snapshotId: outcome.snapshotId, message },
      })),
    ];
    await finishRun(registry, {
      id: runId,
      productId: def.productId,
      major: def.major,
      status,
      steps,
      inputs,
      rowsOut,
      error,
      checks: checkRecords,
      snapshot: status === 'succeeded' ? snapshot : undefined,
      watermarks: status === 'succeeded' ? watermarks : undefined,
      events,
    });
  }
  if (status === 'succeeded') observer.onComplete?.(outcome);
  else observer.onFail?.(outcome);
  return outcome;
}

class AuditFailed extends MeshError {
  constructor(message: string) {
    super('input', message);
  }
}

/** Streams a PostgreSQL input when the transform names it once (a FIFO can be read only once). */
function canStream(input: InputSpec, sql: string, env: NodeJS.ProcessEnv): boolean {
  if (env.MESH_STREAMED_EXTRACT === '0' || input.source?.type !== 'postgres' || process.platform === 'win32')
    return false;
  const name = input.name.replace(/[^a-z0-9_]/g, '');
  const refs = sql.match(new RegExp(`(?<![\\w.])"?${name}"?(?![\\w])`, 'gi')) ?? [];
  return refs.length === 1;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function extractInput(ctx: ExtractContext): Promise<Extracted> {
  if (ctx.input.product) return extractProduct(ctx);
  switch (ctx.input.source?.type) {
    case 'postgres':
      return extractPostgres(ctx);
    case 'mysql':
      return extractMysql(ctx);
    case 'file':
      return extractFile(ctx);
    default:
      throw new InputError(`input ${ctx.input.name}: unknown source type ${ctx.input.source?.type}`);
  }
}

function transformSqlOf(def: PipelineDefinition): string {
  if (def.transformSql && def.transformSql.trim()) return stripTrailingSemicolon(def.transformSql);
  if (def.product.spec.inputs.length === 1) return `SELECT * FROM ${quoteIdent(def.product.spec.inputs[0].name)}`;
  throw new InputError('a product with several inputs needs a transform');
}

/** Where the transform's lines are, for its errors: its file beside the descriptor, else the inline or default query. */
function transformLabel(product: DataProduct): string {
  const transform = product.spec.transform;
  if (typeof transform === 'string') return transform;
  return transform ? 'transform (inline in the descriptor)' : 'the default transform';
}

/** Binds the transform without running it: column names and types, or the engine's error with its position. */
async function describeTransform(
  engine: Engine,
  sql: string,
  file: string,
): Promise<Array<{ name: string; type: string }>> {
  try {
    const prepared = await engine.connection.prepare(sql);
    const columns: Array<{ name: string; type: string }> = [];
    for (let i = 0; i < prepared.columnCount; i++)
      columns.push({ name: prepared.columnName(i), type: String(prepared.columnType(i)) });
    return columns;
  } catch (error) {
    throw new InputError(transformSqlError(messageOf(error), sql, file));
  }
}

async function writeParquet(engine: Engine, query: string, file: string): Promise<void> {
  try {
    await engine.connection.run(
      `COPY (\n${query}\n) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
    );
  } catch (error) {
    throw new InputError(`writing the snapshot failed: ${messageOf(error)}`);
  }
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

/**
 * The run's scratch folder lives inside the warehouse so that moving the finished snapshot
 * into place is a rename on one filesystem. Leftovers of this product's dead runs (we hold
 * the lock, so no live run owns them) are removed first.
 */
function prepareWorkDir(warehouseDir: string, productId: string, runId: string): string {
  const root = join(warehouseDir, '.work');
  const prefix = `${productId.replace('/', '__')}--`;
  if (existsSync(root)) {
    for (const entry of readdirSync(root))
      if (entry.startsWith(prefix)) rmSync(join(root, entry), { recursive: true, force: true });
  }
  const dir = join(root, `${prefix}${runId}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Test hook: MESH_TEST_PAUSE_AT=publish stops here (snapshot files in place, pointer not switched) so a test can kill the process. */
async function pauseForTests(env: NodeJS.ProcessEnv): Promise<void> {
  if (env.MESH_TEST_PAUSE_AT !== 'publish') return;
  process.stderr.write('MESH_TEST_PAUSED publish\n');
  await sleep(Number(env.MESH_TEST_PAUSE_MS ?? 30_000));
}
