/**
 * What the steps of one run share: the definition and options, the run's identity, its
 * scratch folders, the engine, and what each step leaves for the next (inputs read, rows,
 * check outcomes, the publication). Each step module reads and fills its part.
 */
import { nowIso, now } from '../core/clock.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../engine/duckdb-engine.js';
import type { CheckOutcome } from '../engine/quality-checks.js';
import type { ColumnStats } from '../engine/snapshot-stats.js';
import { runTenancy, tenantEnvironment, type RunTenancy } from './run-tenancy.js';
import type { MeshConfig } from '../core/mesh-config.js';
import type { PortLocation, PreparedPublication } from '../ports/output-port.js';
import type { PortAccess } from '../ports/postgres-readers.js';
import { readCurrentSnapshot, readPointer, type CurrentSnapshot } from '../ports/warehouse.js';
import { openWarehouseStore } from '../ports/warehouse/open-warehouse-store.js';
import type { WarehouseStore } from '../ports/warehouse/warehouse-store.js';
import type { RunInputRecord, RunStepRecord, SnapshotRecord } from '../registry/operations/runs/run-records.js';
import type { Registry } from '../registry/registry.js';
import { DEFAULT_RUN_LEASE_MS } from '../registry/operations/runs/run-lock.js';
import type { DataProduct, EngineKind, InputSpec } from '../descriptor/data-product-schema.js';
import type { Extracted } from './extract/extract-types.js';
import type { InputReadGate } from './input-read-gate.js';
import type { RunObserver } from './run-observer.js';
import { workDirOf } from './work-dir.js';
import type { CheckEngine } from '../engine/check-engine.js';

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
  /** Where the run is recorded; a dry run records nothing in it, but reads current snapshots from it. */
  readonly registry?: Registry;
  readonly config: MeshConfig;
  readonly env?: NodeJS.ProcessEnv;
  readonly trigger?: 'manual' | 'schedule' | 'api';
  readonly dryRun?: boolean;
  readonly observer?: RunObserver;
  /** Run-lock lease (default DEFAULT_RUN_LEASE_MS); renewed every third of it while the run is alive. */
  readonly leaseMs?: number;
  /** How a live lock of the product is met: waited for this long (the scheduler: a lease), or refused at once (0, the default). */
  readonly lockWaitMs?: number;
  /** A lock holder whose worker has been silent this long is dead (the queue's own setting). */
  readonly workerDeadAfterMs?: number;
  /** The cron instant of a scheduled run: recorded on the run, and never run twice. */
  readonly scheduledAt?: string;
  /** How product inputs are read (the platform's access decision); without it a run reads none. */
  readonly inputGate?: InputReadGate;
  /** Who may read this major through its SQL and stream ports, as of the publication (the platform's grants). */
  readonly portAccess?: (productId: string, major: number) => Promise<PortAccess>;
  /**
   * The key masked values are hashed with (the platform's MESH_MASKING_KEY): with it, a run
   * of a product with PII columns writes the snapshot's masked copy beside it (downloads stream
   * it); without it, none is written and readers mask on the fly.
   */
  readonly maskedCopyKey?: string;
  /** Where snapshots are kept (default: the store of config.warehouseDir). */
  readonly store?: WarehouseStore;
}

/** How a run takes its product's lock: what the scheduler sets on the runs it starts. */
export type RunLockOptions = Pick<RunPipelineOptions, 'lockWaitMs' | 'workerDeadAfterMs' | 'scheduledAt'>;

export interface RunContext {
  readonly def: PipelineDefinition;
  readonly product: DataProduct;
  readonly config: MeshConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly dryRun: boolean;
  /** Where the run is recorded; absent in dry runs. */
  readonly registry?: Registry;
  /** The warehouse: the run reads and publishes snapshots only through it. */
  readonly store: WarehouseStore;
  /** The current snapshot of a product's major, as the registry committed it (dry runs read it too). */
  readonly resolveSnapshot: (productId: string, major: number) => Promise<CurrentSnapshot | undefined>;
  readonly trigger: 'manual' | 'schedule' | 'api';
  readonly observer: RunObserver;
  readonly leaseMs: number;
  /** How the run lock is taken (see RunPipelineOptions). */
  readonly lock: RunLockOptions;
  readonly inputGate?: InputReadGate;
  readonly portAccess?: RunPipelineOptions['portAccess'];
  readonly maskedCopyKey?: string;
  readonly runId: string;
  /** When the run started: moved to the instant it took the lock when it had to wait for it. */
  startedAt: string;
  /** The run's scratch folder, on local disk (under MESH_HOME for recorded runs), never in the warehouse. */
  readonly workRoot: string;
  readonly stagingDir: string;
  /** Holds the candidate `data.parquet` (and its masked copy) until the publish step puts them in the store. */
  readonly candidateDir: string;
  readonly candidate: string;
  readonly steps: RunStepRecord[];
  readonly inputRecords: Map<string, RunInputRecord>;
  /** Watermarks to advance to if the run publishes. */
  readonly watermarks: Array<{ input: string; value: string | number }>;
  /** Problems that did not fail the run (a stream port unreachable after the commit point). */
  readonly portWarnings: string[];
  /** Run at the end of the run, whatever happened. */
  readonly closers: Array<() => Promise<void>>;
  /** What the run may reach (scoped environment, data roots) and the values it resolved. */
  readonly tenancy: RunTenancy;
  /** Removes every value resolved from the environment: applied to all the run records. */
  readonly scrub: (text: string) => string;
  /** The previous snapshot copied into the run folder, for an incremental merge. */
  mergeFile?: string;
  /** Where the run's SQL runs (`spec.engine`), chosen when the run starts. */
  runEngine?: RunEngine;
  /** The embedded engine, when the run uses one. */
  engine?: Engine;
  /** The snapshot current when the run started (recorded runs). */
  previous?: CurrentSnapshot;
  /** The watermarks of the last successful publication, by input. */
  lastRuns: Map<string, string | number>;
  /** Runs an engine statement that reads the streamed input while feeding it (set by the extract step). */
  withFeed: <T>(work: () => Promise<T>) => Promise<T>;
  rowsTransformed?: number;
  rowsOut: number | null;
  stats?: Map<string, ColumnStats>;
  checks: CheckOutcome[];
  ports: PortLocation[];
  snapshot?: SnapshotRecord;
  /** Ports prepared and staged by the publish step, committed once the registry has committed the run. */
  pending: Array<{ port: string; publication: PreparedPublication }>;
  publishNote?: string;
  error: string | null;
}

/**
 * Where a run's SQL runs (engines/): the steps call these in order. `duckdb` pulls the inputs
 * into the embedded engine, `postgres` runs the transform and checks in the database that
 * holds them; both leave a candidate the checks read as `snapshot`, and its parquet file.
 */
export interface RunEngine {
  readonly kind: EngineKind;
  /** Makes every input readable by the transform under its name; the rows extracted. */
  stageInputs(ctx: RunContext, sql: string): Promise<number>;
  /** Builds the candidate snapshot, conformed to spec.schema; the rows the transform produced (before a merge). */
  buildCandidate(ctx: RunContext, sql: string): Promise<number>;
  /** Nulls in the candidate's columns (sets the column statistics the checks may use). */
  countNulls(ctx: RunContext, names: readonly string[]): Promise<Map<string, number>>;
  /** Where the quality checks run, over the relation `snapshot`. */
  checkEngine(ctx: RunContext): Promise<CheckEngine>;
  /** The candidate as the parquet file `ctx.candidate` (before publishing; dry runs skip it). */
  exportCandidate(ctx: RunContext): Promise<void>;
  /** The candidate as a table of the engine's database (resolved URL and qualified name), when it is one. */
  builtIn?(ctx: RunContext): { url: string; table: string } | undefined;
}

export function newRunId(at = now()): string {
  return `${at.toISOString().replace(/[-:.]/g, '').replace('T', 't').toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
}

export function createRunContext(def: PipelineDefinition, options: RunPipelineOptions): RunContext {
  const dryRun = options.dryRun ?? !options.registry;
  const runId = newRunId();
  // A recorded run's folder is created once it holds the run lock (prepareWorkDir).
  const workRoot = dryRun
    ? mkdtempSync(join(tmpdir(), 'mesh-run-'))
    : workDirOf(options.config.home, def.productId, runId);
  const store = options.store ?? openWarehouseStore(options.config.warehouseDir);
  const candidateDir = join(workRoot, 'snapshot');
  // Scoped to the product's domain; every value resolved through it is scrubbed from what the run records.
  const tenancy = runTenancy(options.config, def.product.metadata.domain);
  return {
    def,
    product: def.product,
    config: options.config,
    env: tenantEnvironment(options.env ?? process.env, tenancy),
    tenancy,
    scrub: (text) => tenancy.resolved.scrub(text),
    dryRun,
    registry: dryRun ? undefined : options.registry,
    store,
    resolveSnapshot: snapshotResolver(options.registry, store),
    trigger: options.trigger ?? 'manual',
    observer: options.observer ?? {},
    leaseMs: options.leaseMs ?? DEFAULT_RUN_LEASE_MS,
    lock: {
      lockWaitMs: options.lockWaitMs,
      workerDeadAfterMs: options.workerDeadAfterMs ?? options.config.workerLiveness?.deadAfterMs,
      scheduledAt: options.scheduledAt,
    },
    inputGate: options.inputGate,
    portAccess: options.portAccess,
    maskedCopyKey: options.maskedCopyKey,
    runId,
    startedAt: nowIso(),
    workRoot,
    stagingDir: join(workRoot, 'staging'),
    candidateDir,
    candidate: join(candidateDir, 'data.parquet'),
    steps: [],
    inputRecords: new Map(),
    watermarks: [],
    portWarnings: [],
    closers: [],
    lastRuns: new Map(),
    withFeed: (work) => work(),
    rowsOut: null,
    checks: [],
    ports: [],
    pending: [],
    error: null,
  };
}

/**
 * Readers resolve "current" through the registry. Only a run given no registry at all (a
 * dry run of the library without a catalog) falls back to the `current.json` files.
 */
function snapshotResolver(registry: Registry | undefined, store: WarehouseStore): RunContext['resolveSnapshot'] {
  return registry
    ? (productId, major) => readCurrentSnapshot(registry, store, productId, major)
    : (productId, major) => readPointer(store, productId, major);
}

/** The engine, once the extract step has opened it. */
export function engineOf(ctx: RunContext): Engine {
  if (!ctx.engine) throw new Error('the run engine is not open');
  return ctx.engine;
}

/** The run's engine, once the run has chosen it. */
export function runEngineOf(ctx: RunContext): RunEngine {
  if (!ctx.runEngine) throw new Error('the run has no engine');
  return ctx.runEngine;
}

export function isIncremental(input: InputSpec): boolean {
  return Boolean(input.source?.watermark && /(?<![:\w]):last_run\b/.test(input.source.query ?? ''));
}

/** What an input gave (rows, watermark, snapshot read), and the watermark to advance to if the run publishes. */
export function recordInput(ctx: RunContext, input: InputSpec, extracted: Extracted): void {
  ctx.inputRecords.set(input.name, {
    name: input.name,
    kind: extracted.kind,
    rowsIn: extracted.rows,
    ...(extracted.watermark !== undefined ? { watermark: extracted.watermark } : {}),
    ...(extracted.snapshotId ? { snapshotId: extracted.snapshotId } : {}),
  });
  if (isIncremental(input)) {
    const value = extracted.watermark ?? ctx.lastRuns.get(input.name);
    if (value !== undefined && value !== null) ctx.watermarks.push({ input: input.name, value });
  }
}

/** File system failures a worker's storage can cause, said as what happened to which file. */
const STORAGE_FAILURES: Record<string, string> = {
  EROFS: 'the file system is mounted read-only',
  ENOSPC: 'the file system is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

export function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, path } = error as NodeJS.ErrnoException;
  const why = code ? STORAGE_FAILURES[code] : undefined;
  return why && path ? `cannot write ${path}: ${why} (${code})` : error.message;
}
