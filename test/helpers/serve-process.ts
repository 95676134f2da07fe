/**
 * `mesh serve` as a real process, from source (no build) or built: started on any free port, with its
 * stderr (the JSON log) collected, resolved once it says where it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MESH_BIN } from './run-mesh.js';

const CLI = fileURLToPath(new URL('../server/fixtures/mesh-cli.ts', import.meta.url));

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** What it has logged so far. */
  stderr(): string;
}

/** The environment of a serve process on the embedded registry in `home`, its monitor ticking every 200 ms. */
export function serveEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MESH_HOME: home,
    MESH_DATABASE_URL: '',
    MESH_SERVER: '',
    MESH_MONITOR_INTERVAL_MS: '200',
    ...extra,
  };
}

/** `built`: the shipped bin/mesh.js (needs `npm run build`) instead of the source. */
export async function startServeProcess(
  env: NodeJS.ProcessEnv,
  options: { built?: boolean } = {},
): Promise<ServeProcess> {
  const cli = options.built ? [MESH_BIN] : ['--import', 'tsx', CLI];
  const child = spawn(process.execPath, [...cli, 'serve', '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(d.toString());
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}
