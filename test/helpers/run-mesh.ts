/**
 * Runs the CLI the way a user does (in-process through runCli, or as a real process through
 * bin/mesh.js) and captures what they would see.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function mesh(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    streams: {
      out: (t) => {
        stdout += t;
      },
      err: (t) => {
        stderr += t;
      },
      isTTY: false,
    },
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
  });
  return { code, stdout, stderr };
}

export const MESH_BIN = fileURLToPath(new URL('../../bin/mesh.js', import.meta.url));

/** The built CLI in a child process: what ships. Needs `npm run build` first (done by `npm install`). */
export function meshProcess(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): CliResult {
  const r = spawnSync(process.execPath, [MESH_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    input: options.input,
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
