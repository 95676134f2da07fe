/** The new-product folder as a .zip: Info-ZIP's own unzip lists and extracts it intact (CRCs checked). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, zipFiles } from '../../web/src/zip-folder.js';

describe('zipFiles', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789')).toString(16)).toBe('cbf43926');
  });

  it('writes an archive unzip tests and extracts with every file as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-zip-'));
    try {
      const files = [
        { name: 'sales/orders/product.yaml', text: 'apiVersion: mesh/v1\nkind: DataProduct\n' },
        { name: 'sales/orders/README.md', text: '# sales/orders — ventes\n' },
      ];
      writeFileSync(join(dir, 'p.zip'), zipFiles(files));
      expect(execFileSync('unzip', ['-t', 'p.zip'], { cwd: dir, encoding: 'utf8' })).toContain('No errors detected');
      execFileSync('unzip', ['-q', 'p.zip'], { cwd: dir });
      for (const f of files) expect(readFileSync(join(dir, f.name), 'utf8')).toBe(f.text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
