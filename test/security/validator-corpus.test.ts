/**
 * "The validator never crashes" (issue 11): a generated corpus of malformed descriptors goes
 * through `mesh validate` (in-process for the bulk, the same runCli a user's process runs; a
 * sample through the real bin/mesh.js), and a sample through a real server's POST /v1/products.
 * Every case must end as a checked failure (exit 1 or 2, a 4xx) with a diagnostic located at
 * file:line:col, and nothing may look like a crash (no stack frame, no TypeError, no 500).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/diagnostic.js';
import { MESH_BIN, mesh } from '../helpers/run-mesh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { corpus, fullDescriptor, type MalformedCase } from './malformed-descriptors.js';

const CASES = corpus();
const CRASH = /^ {4}at |TypeError|RangeError|ReferenceError|this is a bug in Meshwork/m;
const LOCATED_ERROR = /^\S+:\d+:\d+ +error +\S+/m;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mesh-corpus-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeCase(c: MalformedCase, i: number): string {
  const name = `case-${i}.yaml`;
  writeFileSync(join(dir, name), c.bytes);
  return name;
}

interface JsonReport {
  files: Array<{ file: string; diagnostics: Diagnostic[] }>;
}

/** The case's expectations against the diagnostics a user got. */
function expectDiagnostics(c: MalformedCase, file: string, diagnostics: Diagnostic[]): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  expect.soft(errors.length, `${c.name}: no error diagnostic`).toBeGreaterThan(0);
  for (const d of errors) {
    expect.soft(d.location?.file, `${c.name}: ${d.code} not located`).toBe(file);
    expect.soft(d.location!.line).toBeGreaterThanOrEqual(1);
    expect.soft(d.location!.col).toBeGreaterThanOrEqual(1);
  }
  if (c.path !== undefined)
    expect
      .soft(
        errors.map((d) => d.path),
        c.name,
      )
      .toContain(c.path);
  if (c.code !== undefined) {
    const match = errors.find((d) => d.code === c.code);
    expect.soft(match, `${c.name}: expected ${c.code}, got ${errors.map((d) => d.code).join(', ')}`).toBeTruthy();
    if (match && c.line !== undefined) expect.soft(match.location?.line, c.name).toBe(c.line);
  }
}

describe('the validator on a generated corpus of malformed descriptors', () => {
  it('has hundreds of cases, and the descriptor they are made from is valid', async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(300);
    writeFileSync(join(dir, 'valid.yaml'), stringify(fullDescriptor(), { lineWidth: 0 }));
    const r = await mesh(['validate', 'valid.yaml'], { cwd: dir });
    expect(r.stdout + r.stderr).toContain('0 errors');
    expect(r.code).toBe(0);
  });

  it('reports every case as located diagnostics with exit 1 (in-process CLI)', async () => {
    for (const [i, c] of CASES.entries()) {
      const file = writeCase(c, i);
      const r = await mesh(['validate', '--json', file], { cwd: dir });
      expect.soft(r.stdout + r.stderr, c.name).not.toMatch(CRASH);
      expect.soft([1, 2], `${c.name}: exit ${r.code}`).toContain(r.code);
      const report = JSON.parse(r.stdout) as JsonReport;
      expectDiagnostics(c, file, report.files[0].diagnostics);
    }
  }, 120_000);

  // A process costs about a second of CPU, so the sample shares few of them: one checks 20 cases
  // at once (as `mesh validate <folder>` does), a few check one case each for its exit code.
  it('says the same through the real bin/mesh.js, for a sample, FIFOs and devices included', async () => {
    const sample = CASES.filter((_, i) => i % Math.ceil(CASES.length / 20) === 0);
    const files = sample.map((c) => writeCase(c, CASES.indexOf(c)));
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const devices = ['pipe.yaml', '/dev/zero', '/dev/null'];
    const [batch, batchText, ...single] = await Promise.all([
      meshProcessAsync(['validate', '--json', ...files], dir),
      meshProcessAsync(['validate', ...files, ...devices], dir),
      meshProcessAsync(['validate', files[1]], dir),
      meshProcessAsync(['validate', 'pipe.yaml'], dir),
    ]);
    for (const r of [batch, batchText, ...single]) {
      expect(r.stdout + r.stderr).not.toMatch(CRASH);
      expect(r.code, r.stdout + r.stderr).toBe(1);
    }
    const report = JSON.parse(batch.stdout) as JsonReport;
    expect(report.files.map((f) => f.file)).toEqual(files);
    sample.forEach((c, i) => expectDiagnostics(c, files[i], report.files[i].diagnostics));
    for (const file of files) expect(batchText.stdout).toMatch(new RegExp(`^${file}:\\d+:\\d+ +error `, 'm'));
    for (const device of devices) expect(batchText.stdout).toContain(`${device}:1:1  error  not-a-file `);
    expect(single[0].stdout).toMatch(LOCATED_ERROR);
    expect(single[1].stdout).toMatch(/^pipe\.yaml:1:1 +error +not-a-file /m);
  }, 120_000);
});

/** The shipped CLI in a child process, without blocking the test's event loop (several run at once). */
function meshProcessAsync(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [MESH_BIN, ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('the server on a sample of the corpus', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(() => server?.close());

  it('answers POST /v1/products with a 4xx carrying located diagnostics, never a 500', async () => {
    // JSON carries text, not bytes: the cases that are valid UTF-8 (NUL included) travel as they
    // are; an empty yaml field is refused before it is a descriptor (a 400 without diagnostics).
    const texts = CASES.filter((c) => c.bytes.length > 0 && Buffer.from(c.bytes.toString('utf8')).equals(c.bytes));
    const sample = texts.filter((_, i) => i % Math.ceil(texts.length / 40) === 0);
    expect(sample.length).toBeGreaterThanOrEqual(30);
    for (const c of sample) {
      const response = await fetch(`${server.url}/v1/products`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ file: 'product.yaml', yaml: c.bytes.toString('utf8') }),
      });
      const body = (await response.json()) as { error?: { details?: { diagnostics?: Diagnostic[] } } };
      expect(response.status, `${c.name}: ${JSON.stringify(body).slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(response.status, c.name).toBeLessThan(500);
      expectDiagnostics(c, 'product.yaml', body.error?.details?.diagnostics ?? []);
    }
  }, 60_000);
});
