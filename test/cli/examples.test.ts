/**
 * The shipped examples are what a new team copies: every one must pass `mesh validate` with
 * the policies in force in this repository (built-in rules and policies/), as the quickstart
 * runs them.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mesh } from '../helpers/run-mesh.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe('examples', () => {
  it('all pass mesh validate with the policies in force, without warnings', async () => {
    const r = await mesh(['validate', 'examples', '--json'], {
      cwd: REPO,
      env: { MESH_HOME: '/nonexistent-mesh-home', MESH_DATABASE_URL: '' },
    });
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      files: Array<{ file: string; diagnostics: Array<{ code: string; severity: string; message: string }> }>;
    };
    const findings = out.files.flatMap((f) =>
      f.diagnostics.map((d) => `${f.file}: ${d.severity} ${d.code} ${d.message}`),
    );
    expect(findings).toEqual([]);
    expect(out.files.length).toBeGreaterThanOrEqual(4);
    expect(r.code).toBe(0);
  });
});
