/**
 * An input naming a product that is not published (or a major it does not have) is an error of
 * `mesh validate` and `mesh publish` at the input's line, with a did-you-mean over the published
 * products; without a registry, validate still checks the structure.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mesh } from '../helpers/run-mesh.js';

const cwd = mkdtempSync(join(tmpdir(), 'mesh-input-ref-'));
const env = { MESH_HOME: join(cwd, '.mesh'), MESH_DATABASE_URL: '', MESH_POLICIES: join(cwd, 'no-policies') };

/** A product folder reading `ref`, and the line and column of its `product:` value. */
function reader(name: string, ref: string): { dir: string; line: number; col: number } {
  const dir = join(cwd, name);
  const file = join(dir, 'product.yaml');
  const text = readFileSync(file, 'utf8');
  const updated = text.replace(/product: \S+@\d+/, `product: ${ref}`);
  expect(updated).not.toBe(text);
  writeFileSync(file, updated);
  const lines = updated.split('\n');
  const index = lines.findIndex((l) => l.includes(`product: ${ref}`));
  return { dir, line: index + 1, col: lines[index].indexOf(ref) + 1 };
}

describe('an input naming a product', () => {
  beforeAll(async () => {
    const init = (name: string, template: string) =>
      mesh(['init', name, '--domain', 'sales', '--owner', 'sales@company.com', '--template', template], { cwd, env });
    expect((await init('orders', 'file')).code).toBe(0);
    expect((await init('report', 'product')).code).toBe(0);
  });

  it('without a registry: validate checks the structure and passes', async () => {
    const { dir } = reader('report', 'sales/order@1');
    const r = await mesh(['validate', dir], { cwd, env });
    expect(r.stdout + r.stderr).not.toContain('unknown-input');
    expect(r.code).toBe(0);
  });

  it('that is not published: an error at the input with the product meant, in validate and publish', async () => {
    expect((await mesh(['publish', join(cwd, 'orders')], { cwd, env })).code).toBe(0);
    const { dir, line, col } = reader('report', 'sales/order@0');
    for (const command of ['validate', 'publish']) {
      const r = await mesh([command, dir], { cwd, env });
      expect(r.code, command).toBe(1);
      expect(r.stdout + r.stderr, command).toContain(
        `report/product.yaml:${line}:${col}  error  unknown-input-product  input "records" reads sales/order@0, but no product sales/order is published\n    hint: did you mean sales/orders@0?`,
      );
    }
    const shown = await mesh(['show', 'sales/report'], { cwd, env });
    expect(shown.code).toBe(1);
  });

  it('whose major does not exist: an error naming the majors there are', async () => {
    const { dir, line, col } = reader('report', 'sales/orders@1');
    const r = await mesh(['validate', dir, '--json'], { cwd, env });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { files: Array<{ diagnostics: Array<Record<string, unknown>> }> };
    expect(out.files[0].diagnostics).toEqual([
      expect.objectContaining({
        code: 'unknown-input-major',
        severity: 'error',
        message: 'input "records" reads sales/orders@1, but sales/orders has no major 1',
        hint: 'published majors: sales/orders@0',
        location: expect.objectContaining({ line, col }),
      }),
    ]);
  });

  it('that is published at that major: no finding, and it publishes', async () => {
    const { dir } = reader('report', 'sales/orders@0');
    expect((await mesh(['validate', dir], { cwd, env })).code).toBe(0);
    expect((await mesh(['publish', dir], { cwd, env })).code).toBe(0);
  });
});
