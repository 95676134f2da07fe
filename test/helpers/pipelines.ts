/**
 * Pipelines under test: a platform over a test registry with its own warehouse folder, and
 * descriptor bundles written in code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import type { DescriptorBundle } from '../../src/platform/descriptor-bundle.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { createTestRegistry, type BackendName, type TestRegistry } from './registries.js';

export interface PipelineHarness {
  readonly platform: LocalPlatform;
  readonly registry: TestRegistry;
  readonly home: string;
  dispose(): Promise<void>;
}

export async function createPipelineHarness(backend: BackendName): Promise<PipelineHarness> {
  const registry = await createTestRegistry(backend);
  const home = mkdtempSync(join(tmpdir(), 'mesh-pipe-'));
  const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'test:pipelines' };
  const platform = new LocalPlatform({ registry: registry.registry, config });
  return {
    platform,
    registry,
    home,
    dispose: async () => {
      await platform.close();
      await registry.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface BundleOptions {
  readonly domain: string;
  readonly name: string;
  readonly version?: string;
  readonly inputs: DataProduct['spec']['inputs'];
  readonly sql: string;
  readonly columns: DataProduct['spec']['schema']['columns'];
  readonly primaryKey?: string[];
  readonly checks?: NonNullable<DataProduct['spec']['quality']>['checks'];
  readonly ports?: DataProduct['spec']['outputPorts'];
  /** Who may read it (default: team analytics, masked). */
  readonly access?: DataProduct['spec']['access'];
}

/**
 * A descriptor that passes the policies in force (built-in rules and policies/global.policy.yaml):
 * a real description, SLA and freshness, retention when it holds PII, and the primary key
 * checked not null and unique unless the test's own checks say otherwise.
 */
export function pipelineBundle(o: BundleOptions): DescriptorBundle {
  const checks = [...(o.checks ?? [])];
  for (const key of o.primaryKey ?? []) {
    if (!checks.some((c) => c.type === 'not_null' && (c.column === key || c.columns?.includes(key))))
      checks.push({ type: 'not_null', column: key });
  }
  if (o.primaryKey && !checks.some((c) => c.type === 'unique')) checks.push({ type: 'unique', columns: o.primaryKey });
  const hasPii = o.columns.some((c) => c.pii === 'direct' || c.pii === 'sensitive' || c.pii === 'indirect');
  const product: DataProduct = {
    apiVersion: 'mesh/v1',
    kind: 'DataProduct',
    metadata: {
      name: o.name,
      domain: o.domain,
      version: o.version ?? '1.0.0',
      owner: `${o.domain}-data@company.com`,
      oncall: `${o.domain}-oncall@company.com`,
      description: `${o.name}: a data product built by the pipeline tests on real sources.`,
      tags: [o.domain, 'test'],
    },
    spec: {
      inputs: o.inputs,
      transform: 'transform.sql',
      schema: { ...(o.primaryKey ? { primaryKey: o.primaryKey } : {}), columns: o.columns },
      quality: { checks },
      freshness: { target: '1d', alert_after: '2d' },
      outputPorts: o.ports ?? [{ name: 'files', type: 'parquet' }],
      sla: { availability: '99.5%' },
      ...(hasPii ? { retention: '365d' } : {}),
      access: o.access ?? { default: 'deny', allow: [{ team: 'analytics' }] },
    },
  };
  return { file: `${o.domain}/${o.name}/product.yaml`, yaml: JSON.stringify(product, null, 2), transformSql: o.sql };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/** sales/<name>: one row whose extract waits `seconds` in PostgreSQL (`sourceUrl`), to hold a run open. */
export function slowSourceBundle(name: string, sourceUrl: string, seconds: number): DescriptorBundle {
  return pipelineBundle({
    domain: 'sales',
    name,
    inputs: [
      {
        name: 'slow',
        source: { type: 'postgres', connection: sourceUrl, query: `SELECT 1 AS id FROM pg_sleep(${seconds})` },
      },
    ],
    sql: 'SELECT id FROM slow',
    columns: [{ name: 'id', type: 'integer', nullable: false, pii: 'none' }],
    primaryKey: ['id'],
  });
}
