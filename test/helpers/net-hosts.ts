/**
 * Hosts of their own for multi-host tests, made on this machine and removed after (even when
 * the test fails): one network namespace per host, each with a veth pair to a bridge and an
 * address of 10.77.<subnet>.0/24; the bridge holds .1, so the namespaces reach services
 * listening there. Each process spawned in a host also gets its own UTS namespace and
 * hostname (`os.hostname()` is how the registry names a host). Names start with `mh` and
 * carry a tag unique to the run, so parallel runs never meet. Needs root and iproute2.
 *
 * PostgreSQL on 127.0.0.1 is not reachable from a namespace: `startPrivatePostgres` runs a
 * cluster of its own (initdb/pg_ctl as the postgres user, a free port, trust for the subnet)
 * listening on the bridge address, and removes it on stop.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface NetHost {
  /** Its network namespace. */
  readonly ns: string;
  /** Its address on the bridge. */
  readonly address: string;
  /** What `os.hostname()` says inside it. */
  readonly hostname: string;
}

export interface NetHosts {
  readonly hosts: readonly NetHost[];
  /** The bridge's own address: where the hosts reach this machine's services. */
  readonly bridgeAddress: string;
  readonly subnet: string;
  /** Starts `command` inside `host` (its namespace and hostname); the returned process is the command itself. */
  spawnIn(host: NetHost, command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  dispose(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export function createNetHosts(count: number, label = 'host'): NetHosts {
  const tag = `${(process.pid % 1296).toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const third = freeSubnet();
  const subnet = `10.77.${third}.0/24`;
  const bridge = `mhbr${tag}`;
  const hosts: NetHost[] = [];
  const dispose = () => {
    process.off('exit', dispose);
    for (const h of hosts) quietly(() => ip('netns', 'del', h.ns));
    quietly(() => ip('link', 'del', bridge));
  };
  // Also when the test process exits without its afterAll (a crash, a signal): every step is synchronous.
  process.once('exit', dispose);
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `10.77.${third}.1/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (let i = 0; i < count; i++) hosts.push(addHost(tag, bridge, third, i, label));
  } catch (e) {
    dispose();
    throw e;
  }
  return {
    hosts,
    bridgeAddress: `10.77.${third}.1`,
    subnet,
    spawnIn: (host, command, args, options = {}) =>
      spawn(
        'ip',
        [
          'netns',
          'exec',
          host.ns,
          'unshare',
          '--uts',
          'sh',
          '-c',
          'hostname "$0" && exec "$@"',
          host.hostname,
          command,
          ...args,
        ],
        options,
      ),
    dispose,
  };
}

function addHost(tag: string, bridge: string, third: number, i: number, label: string): NetHost {
  const ns = `mh_${tag}_${i}`;
  const outside = `mh${tag}h${i}`;
  const inside = `mh${tag}n${i}`;
  ip('netns', 'add', ns);
  ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
  ip('link', 'set', outside, 'master', bridge);
  ip('link', 'set', outside, 'up');
  ip('link', 'set', inside, 'netns', ns);
  const address = `10.77.${third}.${10 + i}`;
  ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inside);
  ip('-n', ns, 'link', 'set', inside, 'up');
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  return { ns, address, hostname: `mh-${label}-${i}-${tag}` };
}

/** A third octet no interface here uses yet. */
function freeSubnet(): number {
  const used = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
  for (;;) {
    const third = 20 + Math.floor(Math.random() * 230);
    if (!used.includes(`10.77.${third}.`)) return third;
  }
}

function quietly(fn: () => unknown): void {
  try {
    fn();
  } catch {
    /* already gone */
  }
}

export interface PrivatePostgres {
  readonly port: number;
  /** A URL to `database` on `host` (an address the cluster listens on). */
  url(host: string, database?: string): string;
  stop(): void;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Whether this machine can make net hosts (root, iproute2, unshare, PostgreSQL's server binaries). */
export function canMakeNetHosts(): boolean {
  return userInfo().uid === 0 && existsSync(`${PG_BIN}/initdb`) && commandExists('ip') && commandExists('unshare');
}

function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A PostgreSQL cluster of its own, listening on 127.0.0.1 and `addresses`, trusting `subnet`. */
export async function startPrivatePostgres(addresses: readonly string[], subnet: string): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'mh-pg-'));
  chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (bin: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args], { stdio: 'pipe', cwd: dir });
  const stop = () => {
    process.off('exit', stop);
    quietly(() => asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  try {
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    appendFileSync(join(data, 'pg_hba.conf'), `host all all ${subnet} trust\n`);
    const listen = ['127.0.0.1', ...addresses].join(',');
    const settings = `-c listen_addresses='${listen}' -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c max_connections=300`;
    asPostgres('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  } catch (e) {
    stop();
    throw e;
  }
  return {
    port,
    url: (host, database = 'postgres') => `postgres://postgres@${host}:${port}/${database}`,
    stop,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
