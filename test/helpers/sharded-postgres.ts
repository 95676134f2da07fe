/**
 * A sharded PostgreSQL built from PostgreSQL's own features, for the distributed-engine tests and
 * the `sharded` bench: a coordinator and N shard clusters (default 2), each a separate instance
 * (initdb'd into a folder of its own under a temp dir, started with pg_ctl on a port found free at
 * run time). On the coordinator, a fact table `sales` is partitioned by range of `store_id`; each
 * partition is a postgres_fdw foreign table on one shard, whose server is `async_capable`, so an
 * aggregate grouped by the partition key is pushed to every shard at once (Async Foreign Scan of
 * the aggregate): the shape of Citus's or Greenplum's pushdown. Rows are generated on the shards
 * (generate_series), never through Node.
 *
 * PostgreSQL refuses to run as root: as root, every server command runs as the `postgres` OS user
 * (runuser), whose folders they are. Nothing is cached across runs. `dispose()` stops every
 * instance and removes the folder; a process exit hook and a watchdog process (which outlives a
 * SIGKILLed test worker) do the same, so no postgres process stays behind.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const DATABASE = 'postgres';
/** The fact table on the coordinator (partitioned); each shard holds its part as `sales_<server>`. */
export const FACT_TABLE = 'sales';
/** The partition key: an aggregate grouped by it is computed whole on each shard. */
export const PARTITION_KEY = 'store_id';

export interface ShardInfo {
  /** The postgres_fdw server name on the coordinator (`shard_0`, …). */
  readonly server: string;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /**
   * The shard's table, and the coordinator's foreign partition over it, by one name (as Citus
   * names a shard `sales_102008`): the remote SQL in a failure's context names the shard.
   */
  readonly partition: string;
  /** The store_id range this shard holds: [from, to). */
  readonly stores: { readonly from: number; readonly to: number };
}

export interface ShardedPostgres {
  readonly coordinatorUrl: string;
  readonly shards: readonly ShardInfo[];
  readonly rows: number;
  readonly stores: number;
  /** A separate plain instance with the shards' settings, when asked for (the single-node baseline). */
  readonly singleNodeUrl?: string;
  stopShard(index: number): Promise<void>;
  startShard(index: number): Promise<void>;
  /** The shard's server log so far (what it ran, with log_statement on). */
  shardLog(index: number): string;
  /** Stops the coordinator at once (`immediate`: connections are cut, as in a crash) and starts it again. */
  restartCoordinator(): Promise<void>;
  dispose(): Promise<void>;
}

export interface ShardedOptions {
  /** Rows of the fact table, over all shards (default 100,000). */
  readonly rows?: number;
  /** Distinct store_id values, 1…stores, split in equal ranges over the shards (default 1,000). */
  readonly stores?: number;
  readonly shards?: number;
  /** Also start a plain single-node instance (empty: load it with loadSingleNodeCopy). */
  readonly singleNode?: boolean;
}

/**
 * The fact table's rows 1…rows as a SELECT, each a function of its number, so a single-node copy
 * generated elsewhere holds exactly the same rows; `stores` limits it to one shard's range.
 */
export function factRowsSql(rows: number, storeCount: number, stores?: { from: number; to: number }): string {
  const all = `SELECT i::bigint AS sale_id, (1 + i % ${storeCount})::int AS store_id,
      (date '2026-01-01' + (i % 365)::int) AS sold_on, (1 + i % 7)::int AS quantity,
      ((i * 37) % 10000 / 100.0)::numeric(12,2) AS amount
    FROM generate_series(1, ${rows}) AS i`;
  return stores ? `SELECT * FROM (${all}) AS g WHERE store_id >= ${stores.from} AND store_id < ${stores.to}` : all;
}

/** The same rows in one plain table, on one node (the single-node baseline). */
export async function loadSingleNodeCopy(url: string, table: string, rows: number, stores: number): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.query(`CREATE TABLE ${table} AS ${factRowsSql(rows, stores)}`);
    await c.query(`ANALYZE ${table}`);
  });
}

export async function withClient<T>(url: string, use: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await use(c);
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// One PostgreSQL instance of the harness.

const COMMON_SETTINGS = {
  listen_addresses: HOST,
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  shared_buffers: '32MB',
  max_connections: '40',
  // CREATE TABLE AS a generated shard skips the WAL.
  wal_level: 'minimal',
  max_wal_senders: '0',
  log_min_messages: 'warning',
};
/** The coordinator plans an aggregate per partition (the setting that makes it a pushdown). */
const COORDINATOR_SETTINGS = { enable_partitionwise_aggregate: 'on', enable_partitionwise_join: 'on' };

class Instance {
  constructor(
    readonly name: string,
    readonly dir: string,
    public port: number,
    private readonly socketDir: string,
    private readonly settings: Record<string, string>,
  ) {}

  get url(): string {
    return `postgres://postgres@${HOST}:${this.port}/${DATABASE}`;
  }

  /** Running, or left so by a start that was cut short: postmaster.pid is there until it stops. */
  private get mayRun(): boolean {
    return existsSync(join(this.dir, 'postmaster.pid'));
  }

  /**
   * The first start: a port found free can be taken by another process before the server binds
   * it, so on "Address already in use" it tries another (its port is wired nowhere yet).
   */
  async startOnFreePort(attempts = 3): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.start();
      } catch (error) {
        if (attempt >= attempts || !/already in use|could not bind/i.test((error as Error).message)) throw error;
        this.port = await freePort();
      }
    }
  }

  async start(): Promise<void> {
    const options = Object.entries({ ...this.settings, unix_socket_directories: this.socketDir })
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' ');
    const log = `${this.dir}.log`;
    try {
      await run(
        ...asPostgres(pgBin('pg_ctl'), [
          '-D',
          this.dir,
          '-l',
          log,
          '-w',
          '-t',
          '30',
          '-o',
          `-p ${this.port} ${options}`,
          'start',
        ]),
      );
    } catch (error) {
      throw new Error(`${this.name} did not start on port ${this.port}: ${(error as Error).message}\n${tail(log)}`, {
        cause: error,
      });
    }
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.mayRun) return;
    await run(...asPostgres(pgBin('pg_ctl'), ['-D', this.dir, '-m', mode, '-w', 'stop']));
  }

  /** For the exit hook, where nothing asynchronous runs. */
  stopSync(): void {
    if (!this.mayRun) return;
    spawnSync(...asPostgres(pgBin('pg_ctl'), ['-D', this.dir, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '';
  }
}

/** A command run as the `postgres` OS user when this process is root (PostgreSQL refuses root). */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

let binDir: string | undefined;
/** PostgreSQL's server binaries: MESH_TEST_PG_BIN, else `pg_config --bindir`, else the newest /usr/lib/postgresql/<v>/bin. */
function pgBin(name: string): string {
  binDir ??= findBinDir();
  return join(binDir, name);
}

function findBinDir(): string {
  const candidates = [process.env.MESH_TEST_PG_BIN, pgConfigBinDir(), ...debianBinDirs()].filter(
    (d): d is string => !!d && existsSync(join(d, 'initdb')),
  );
  if (candidates.length === 0)
    throw new Error(
      'the sharded tests need PostgreSQL server binaries (initdb, pg_ctl): set MESH_TEST_PG_BIN to their folder',
    );
  return candidates[0];
}

function pgConfigBinDir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function debianBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'));
}

/** A TCP port nothing listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The harness: folders, instances, the fdw wiring, the rows, and the clean-up.

interface Layout {
  readonly base: string;
  readonly coordinator: Instance;
  readonly shards: Instance[];
  readonly singleNode?: Instance;
}

function instancesOf(layout: Layout): Instance[] {
  return [layout.coordinator, ...layout.shards, ...(layout.singleNode ? [layout.singleNode] : [])];
}

export async function createShardedPostgres(options: ShardedOptions = {}): Promise<ShardedPostgres> {
  const rows = options.rows ?? 100_000;
  const stores = options.stores ?? 1_000;
  const layout = await createLayout(options.shards ?? 2, options.singleNode ?? false);
  const cleanup = guardCleanup(layout);
  try {
    await initClusters(layout);
    await allOrFirstError(instancesOf(layout).map((i) => i.startOnFreePort()));
    const shards = shardInfos(layout, stores);
    await allOrFirstError(shards.map((s) => loadShard(s, rows, stores)));
    await wireCoordinator(layout.coordinator.url, shards);
    return harness(layout, shards, rows, stores, cleanup);
  } catch (error) {
    await cleanup.dispose();
    throw error;
  }
}

async function createLayout(shardCount: number, singleNode: boolean): Promise<Layout> {
  const base = mkdtempSync(join(tmpdir(), 'mesh-sharded-'));
  const owner = postgresOwner();
  if (owner) chownSync(base, owner.uid, owner.gid);
  const instance = async (name: string, settings: Record<string, string>) =>
    new Instance(name, join(base, name), await freePort(), base, settings);
  const coordinator = await instance('coordinator', { ...COMMON_SETTINGS, ...COORDINATOR_SETTINGS });
  const shards: Instance[] = [];
  for (let i = 0; i < shardCount; i++) shards.push(await instance(`shard_${i}`, COMMON_SETTINGS));
  return { base, coordinator, shards, singleNode: singleNode ? await instance('single', COMMON_SETTINGS) : undefined };
}

function postgresOwner(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** One initdb, copied for the other instances (a copy of a stopped cluster is a cluster). */
async function initClusters(layout: Layout): Promise<void> {
  const [first, ...others] = instancesOf(layout);
  const args = [
    '-D',
    first.dir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ];
  await run(...asPostgres(pgBin('initdb'), args));
  const owner = postgresOwner();
  for (const other of others) {
    cpSync(first.dir, other.dir, { recursive: true, preserveTimestamps: true });
    chmodSync(other.dir, 0o700);
    if (owner) chownRecursive(other.dir, owner);
  }
}

/** Waits for every promise (none is left running behind a failure), then throws the first error. */
async function allOrFirstError(promises: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function chownRecursive(path: string, owner: { uid: number; gid: number }): void {
  execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, path]);
}

function shardInfos(layout: Layout, stores: number): ShardInfo[] {
  const n = layout.shards.length;
  return layout.shards.map((instance, i) => ({
    server: instance.name,
    host: HOST,
    port: instance.port,
    url: instance.url,
    partition: `${FACT_TABLE}_${instance.name}`,
    stores: { from: 1 + Math.floor((i * stores) / n), to: 1 + Math.floor(((i + 1) * stores) / n) },
  }));
}

async function loadShard(shard: ShardInfo, rows: number, stores: number): Promise<void> {
  await withClient(shard.url, async (c) => {
    await c.query(`CREATE TABLE ${shard.partition} AS ${factRowsSql(rows, stores, shard.stores)}`);
    await c.query(`ANALYZE ${shard.partition}`);
  });
}

/** postgres_fdw, one async-capable server per shard, and the fact table partitioned over them. */
async function wireCoordinator(url: string, shards: readonly ShardInfo[]): Promise<void> {
  const statements = [
    'CREATE EXTENSION postgres_fdw',
    ...shards.flatMap((s) => [
      `CREATE SERVER ${s.server} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '${s.host}', port '${s.port}',
         dbname '${DATABASE}', async_capable 'true', use_remote_estimate 'true', fetch_size '10000')`,
      // Any role reads through it (a product's own roles too) as the shard's superuser.
      `CREATE USER MAPPING FOR PUBLIC SERVER ${s.server} OPTIONS (user 'postgres', password_required 'false')`,
    ]),
    `CREATE TABLE ${FACT_TABLE} (sale_id bigint NOT NULL, ${PARTITION_KEY} int NOT NULL, sold_on date NOT NULL,
       quantity int NOT NULL, amount numeric(12,2) NOT NULL) PARTITION BY RANGE (${PARTITION_KEY})`,
    ...shards.map(
      (s) => `CREATE FOREIGN TABLE ${s.partition} PARTITION OF ${FACT_TABLE}
        FOR VALUES FROM (${s.stores.from}) TO (${s.stores.to}) SERVER ${s.server} OPTIONS (table_name '${s.partition}')`,
    ),
  ];
  await withClient(url, async (c) => {
    for (const sql of statements) await c.query(sql);
  });
}

interface Cleanup {
  dispose(): Promise<void>;
}

/**
 * Everything that removes the harness: dispose() (the test's afterAll), a process exit hook (a
 * test that ends without reaching afterAll), and a watchdog shell that stops the instances and
 * removes the folder once this process is gone, even SIGKILLed.
 */
function guardCleanup(layout: Layout): Cleanup {
  const instances = instancesOf(layout);
  const stopAllSync = () => {
    for (const i of instances) i.stopSync();
    rmSync(layout.base, { recursive: true, force: true });
  };
  process.once('exit', stopAllSync);
  const watchdog = startWatchdog(layout.base, instances);
  let disposed = false;
  return {
    async dispose() {
      if (disposed) return;
      disposed = true;
      process.removeListener('exit', stopAllSync);
      await Promise.allSettled(instances.map((i) => i.stop('immediate')));
      rmSync(layout.base, { recursive: true, force: true });
      if (watchdog.pid) process.kill(watchdog.pid, 'SIGTERM');
    },
  };
}

function startWatchdog(base: string, instances: readonly Instance[]): ReturnType<typeof spawn> {
  const stops = instances
    .map(
      (i) =>
        `${asPostgres(pgBin('pg_ctl'), ['-D', i.dir, '-m', 'immediate', 'stop']).flat().join(' ')} >/dev/null 2>&1`,
    )
    .join('; ');
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stops}; rm -rf ${base}`;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

function harness(
  layout: Layout,
  shards: readonly ShardInfo[],
  rows: number,
  stores: number,
  cleanup: Cleanup,
): ShardedPostgres {
  const shard = (index: number): Instance => {
    const s = layout.shards[index];
    if (!s) throw new Error(`no shard ${index}: the harness has ${layout.shards.length}`);
    return s;
  };
  return {
    coordinatorUrl: layout.coordinator.url,
    singleNodeUrl: layout.singleNode?.url,
    shards,
    rows,
    stores,
    shardLog: (index) => readFileSync(`${shard(index).dir}.log`, 'utf8'),
    stopShard: (index) => shard(index).stop('fast'),
    startShard: (index) => shard(index).start(),
    restartCoordinator: async () => {
      await layout.coordinator.stop('immediate');
      await layout.coordinator.start();
    },
    dispose: () => cleanup.dispose(),
  };
}
