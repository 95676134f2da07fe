/**
 * A command that does not exist is a usage error (exit 2) with a did-you-mean over the real
 * commands, with or without --help after it (commander alone printed the parent's help, exit 0).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mesh } from '../helpers/run-mesh.js';

const cwd = mkdtempSync(join(tmpdir(), 'mesh-unknown-'));
const env = { MESH_HOME: join(cwd, '.mesh'), MESH_DATABASE_URL: '' };

describe('an unknown command', () => {
  it('a typo: exit 2 and the command meant', async () => {
    for (const [args, meant] of [
      [['valdate'], 'mesh validate'],
      [['valdate', '--help'], 'mesh validate'],
      [['catalog', 'serch', 'orders'], 'mesh catalog search'],
      [['--server', 'http://127.0.0.1:1', 'pubish'], 'mesh publish'],
    ] as const) {
      const r = await mesh([...args], { cwd, env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.split('\n')[0]).toMatch(/^error: unknown command '\w+' for mesh/);
      expect(r.stderr, args.join(' ')).toContain(`did you mean '${meant}'?`);
    }
  });

  it('nothing close: exit 2 and the commands there are, also with --help', async () => {
    for (const args of [['nosuchcommand'], ['nosuch', '--help'], ['frobnicate', 'x', '--help']]) {
      const r = await mesh(args, { cwd, env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      const lines = r.stderr.split('\n');
      expect(lines[0]).toBe(`error: unknown command '${args[0]}' for mesh`);
      expect(lines[1]).toMatch(/^ {2}commands: init, validate, publish, .*catalog, show, run, runs, checks, serve/);
      expect(lines.slice(2)).toEqual(['  run mesh --help for usage', '']);
    }
    const nested = await mesh(['catalog', 'nosuch', '--help'], { cwd, env });
    expect(nested.code).toBe(2);
    expect(nested.stderr).toBe(
      "error: unknown command 'nosuch' for mesh catalog\n  commands: list, search\n  run mesh catalog --help for usage\n",
    );
  });

  it('real commands and help still work', async () => {
    for (const args of [
      ['--help'],
      ['help'],
      ['help', 'catalog'],
      ['catalog', '--help'],
      ['catalog', 'search', '--help'],
    ]) {
      const r = await mesh(args, { cwd, env });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout + r.stderr).toContain('Usage: mesh');
    }
  });
});
