/**
 * The services the tests talk to, checked once before any test file runs (vitest globalSetup,
 * test/global-setup.ts): PostgreSQL, MariaDB and NATS. One that is down but installed here at
 * its default address is started the way .ci/run starts it; otherwise the run stops with one
 * line per missing service: what, where it was looked for, and how to start it or point the
 * tests elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';

export interface TestService {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Where the address came from, for the message. */
  readonly from: string;
  /** How a person starts it or points the tests elsewhere. */
  readonly advice: string;
  /** The command that starts it on this machine, when it is installed here and the address is its default. */
  readonly start?: readonly string[];
}

const NATS_ARGS = [
  '-a',
  '127.0.0.1',
  '-p',
  '4222',
  '-js',
  '-sd',
  '/var/lib/nats-server',
  '-l',
  '/var/log/nats-server.log',
];

/** The services as the tests will look for them under `env`. */
export function testServices(env: NodeJS.ProcessEnv = process.env): TestService[] {
  return [postgres(env), mariadb(), nats(env)];
}

function postgres(env: NodeJS.ProcessEnv): TestService {
  const url = env.MESH_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const { host, port } = hostAndPort(url, 5432);
  const cluster = postgresCluster();
  const start =
    isDefault(host, port, 5432) && cluster && onPath('pg_ctlcluster')
      ? ['pg_ctlcluster', '--skip-systemctl-redirect', cluster, 'main', 'start']
      : undefined;
  return {
    name: 'PostgreSQL',
    host,
    port,
    from: env.MESH_TEST_PG_URL ? 'from MESH_TEST_PG_URL' : 'the default',
    advice: `start it (pg_ctlcluster ${cluster ?? '<version>'} main start), or set MESH_TEST_PG_URL=postgres://user@host:port/postgres`,
    start,
  };
}

/** The MySQL tests connect to root@127.0.0.1:3306 without a variable, so that is the one place to look. */
function mariadb(): TestService {
  const start =
    existsSync('/usr/sbin/mariadbd') && onPath('start-stop-daemon')
      ? ['start-stop-daemon', '--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd']
      : undefined;
  return {
    name: 'MariaDB',
    host: '127.0.0.1',
    port: 3306,
    from: 'where the MySQL tests connect, as root without a password',
    advice: 'start it (mariadbd, or service mariadb start) listening on 127.0.0.1:3306',
    start,
  };
}

function nats(env: NodeJS.ProcessEnv): TestService {
  const url = env.MESH_NATS_URL || 'nats://127.0.0.1:4222';
  const { host, port } = hostAndPort(url, 4222);
  const start =
    isDefault(host, port, 4222) && existsSync('/usr/sbin/nats-server') && onPath('start-stop-daemon')
      ? [
          'start-stop-daemon',
          '--start',
          '--oknodo',
          '--background',
          '--exec',
          '/usr/sbin/nats-server',
          '--',
          ...NATS_ARGS,
        ]
      : undefined;
  return {
    name: 'NATS JetStream',
    host,
    port,
    from: env.MESH_NATS_URL ? 'from MESH_NATS_URL' : 'the default',
    advice: 'start it (nats-server -js -a 127.0.0.1 -p 4222), or set MESH_NATS_URL=nats://host:port',
    start,
  };
}

/** Whether something accepts TCP connections at host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** One line per service that is not there (after starting the ones that can be); empty when all are up. */
export async function missingServices(services: readonly TestService[]): Promise<string[]> {
  const lines = await Promise.all(services.map(ensureUp));
  return lines.filter((line): line is string => line !== undefined);
}

async function ensureUp(service: TestService): Promise<string | undefined> {
  if (await isListening(service.host, service.port)) return undefined;
  const where = `${service.host}:${service.port} (${service.from})`;
  if (!service.start) return `${service.name} is not reachable at ${where}: ${service.advice}`;
  const [command, ...args] = service.start;
  spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  if (await waitListening(service.host, service.port, 30_000)) return undefined;
  return `${service.name} is not reachable at ${where}, and \`${service.start.join(' ')}\` did not bring it up: ${service.advice}`;
}

async function waitListening(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isListening(host, port, 500)) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

function hostAndPort(url: string, defaultPort: number): { host: string; port: number } {
  try {
    const u = new URL(url);
    return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
  } catch {
    return { host: url, port: defaultPort };
  }
}

function isDefault(host: string, port: number, defaultPort: number): boolean {
  return (host === '127.0.0.1' || host === 'localhost') && port === defaultPort;
}

function postgresCluster(): string | undefined {
  try {
    return readdirSync('/etc/postgresql').sort().at(-1);
  } catch {
    return undefined;
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
