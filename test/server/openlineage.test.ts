/**
 * OpenLineage RunEvents validate against the OpenLineage JSON Schema (2020-12) and its facet
 * schemas, and reach the configured HTTP endpoint or JSON-lines file.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRunEvent, lineageRunId, type LineageRunData } from '../../src/lineage/openlineage-event.js';
import { lineageEmitterFromEnv } from '../../src/lineage/lineage-emitter.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { productBundle } from '../helpers/products.js';
import { createTestRegistry } from '../helpers/registries.js';

// The standard's schemas, copied into the repository with their licence.
const STANDARD = fileURLToPath(new URL('../fixtures/standards/openlineage/', import.meta.url));

function validators() {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  // No ajv-formats here: the three formats the spec uses, checked by hand.
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /T/.test(s));
  ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s));
  ajv.addFormat('uuid', (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s));
  const main = JSON.parse(readFileSync(join(STANDARD, 'OpenLineage.json'), 'utf8'));
  ajv.addSchema(main);
  const facets = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const f of readdirSync(join(STANDARD, 'facets'))) {
    const schema = JSON.parse(readFileSync(join(STANDARD, 'facets', f), 'utf8'));
    ajv.addSchema(schema);
    facets.set(f.replace('.json', ''), ajv.getSchema(schema.$id)!);
  }
  return { runEvent: ajv.getSchema(`${main.$id}#/$defs/RunEvent`)!, facets };
}

const run: LineageRunData = {
  eventType: 'START',
  eventTime: '2026-11-21T10:00:00.000Z',
  runId: 'run-42',
  product: 'sales/orders-daily',
  version: '1.2.0',
  description: 'Daily orders',
  owner: 'sales-data@company.com',
  inputs: [{ namespace: 'postgres://${ORDERS_DB_URI}', name: 'orders' }, { name: 'identity/customers' }],
  outputSchema: [
    { name: 'order_date', type: 'date', description: 'day' },
    { name: 'total', type: 'decimal(12,2)' },
  ],
  transformSql: 'SELECT order_date, sum(total) AS total FROM orders GROUP BY 1',
};

describe('OpenLineage run events', () => {
  const { runEvent, facets } = validators();
  const valid = (event: unknown) => {
    const ok = runEvent(event);
    expect(ok, JSON.stringify(runEvent.errors, null, 2)).toBe(true);
  };

  it('builds START, COMPLETE and FAIL events that validate, with schema and data-quality facets', () => {
    const start = buildRunEvent(run);
    const complete = buildRunEvent({
      ...run,
      eventType: 'COMPLETE',
      eventTime: '2026-11-21T10:01:00.000Z',
      rowCount: 120,
      checks: [
        { assertion: 'unique', column: 'order_date', success: true, severity: 'error' },
        { assertion: 'row_count_delta', success: false, severity: 'warn' },
      ],
    });
    const fail = buildRunEvent({
      ...run,
      eventType: 'FAIL',
      eventTime: '2026-11-21T10:01:00.000Z',
      error: 'check unique failed on order_date',
      checks: [{ assertion: 'unique', column: 'order_date', success: false, severity: 'error' }],
    });
    for (const e of [start, complete, fail]) valid(e);
    type Out = { facets: Record<string, unknown>; outputFacets?: Record<string, unknown> };
    const out = (complete.outputs as Out[])[0];
    // Each facet also validates against its own facet schema.
    expect(
      facets.get('SchemaDatasetFacet')!({ schema: out.facets.schema }),
      JSON.stringify(facets.get('SchemaDatasetFacet')!.errors),
    ).toBe(true);
    expect(
      facets.get('DataQualityAssertionsDatasetFacet')!({ dataQualityAssertions: out.facets.dataQualityAssertions }),
    ).toBe(true);
    expect(facets.get('DocumentationDatasetFacet')!({ documentation: out.facets.documentation })).toBe(true);
    expect(facets.get('OwnershipDatasetFacet')!({ ownership: out.facets.ownership })).toBe(true);
    expect(
      facets.get('OutputStatisticsOutputDatasetFacet')!({ outputStatistics: out.outputFacets!.outputStatistics }),
    ).toBe(true);
    expect(
      facets.get('ErrorMessageRunFacet')!({
        errorMessage: (fail.run as { facets: Record<string, unknown> }).facets.errorMessage,
      }),
    ).toBe(true);
    const job = complete.job as { facets: Record<string, unknown> };
    expect(facets.get('SQLJobFacet')!({ sql: job.facets.sql })).toBe(true);
    expect(facets.get('JobTypeJobFacet')!({ jobType: job.facets.jobType })).toBe(true);
    // One run, one id, across its events.
    expect((start.run as { runId: string }).runId).toBe((complete.run as { runId: string }).runId);
    expect(lineageRunId('run-42')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('rejects what the schema rejects (the test would catch a broken builder)', () => {
    const broken = { ...buildRunEvent(run), eventType: 'DONE' };
    expect(runEvent(broken)).toBe(false);
  });

  describe('emitters', () => {
    let receiver: Receiver;
    beforeAll(async () => {
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver?.close();
    });

    it('posts to MESH_OPENLINEAGE_URL and appends JSON lines to MESH_OPENLINEAGE_FILE', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'mesh-ol-')), 'lineage.jsonl');
      const emit = lineageEmitterFromEnv({
        MESH_OPENLINEAGE_URL: `${receiver.url}/api/v1/lineage`,
        MESH_OPENLINEAGE_FILE: file,
      })!;
      await emit(buildRunEvent(run));
      await emit(buildRunEvent({ ...run, eventType: 'COMPLETE' }));
      expect(receiver.received.map((r) => (r.body as { eventType: string }).eventType)).toEqual(['START', 'COMPLETE']);
      expect(receiver.received[0].path).toBe('/api/v1/lineage');
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.eventType)).toEqual(['START', 'COMPLETE']);
      for (const l of lines) valid(l);
      expect(lineageEmitterFromEnv({})).toBeUndefined();
    });

    it('every run of a published product emits START then COMPLETE (with its checks) or FAIL, to the configured file', async () => {
      const t = await createTestRegistry('sqlite');
      const dir = mkdtempSync(join(tmpdir(), 'mesh-ol-run-'));
      try {
        const platform = new LocalPlatform({
          registry: t.registry,
          config: { ...configFromEnv({}, dir), warehouseDir: join(dir, 'warehouse') },
        });
        await platform.publish(productBundle({ name: 'orders-daily' }));
        mkdirSync(join(dir, 'data'));
        writeFileSync(
          join(dir, 'data', 'records.csv'),
          'id,label,amount,updated_at\n1,a,1.50,2026-01-01T00:00:00Z\n2,b,2.50,2026-01-02T00:00:00Z\n',
        );
        const file = join(dir, 'lineage.jsonl');
        const env = { ...process.env, MESH_OPENLINEAGE_FILE: file };
        const ok = await platform.runProduct('sales/orders-daily', { env, baseDir: dir });
        expect(ok.status).toBe('succeeded');
        rmSync(join(dir, 'data', 'records.csv'));
        const failed = await platform.runProduct('sales/orders-daily', { env, baseDir: dir });
        expect(failed.status).toBe('failed');
        const events = readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE', 'START', 'FAIL']);
        for (const e of events) valid(e);
        const output = (
          events[1].outputs as Array<{
            name: string;
            facets: Record<string, { fields?: unknown[]; assertions?: Array<{ assertion: string; success: boolean }> }>;
            outputFacets?: Record<string, { rowCount: number }>;
          }>
        )[0];
        expect(output.name).toBe('sales/orders-daily');
        expect(output.facets.schema.fields).toHaveLength(4);
        expect(output.facets.dataQualityAssertions.assertions).toContainEqual(
          expect.objectContaining({ assertion: 'unique', success: true }),
        );
        expect(output.outputFacets?.outputStatistics.rowCount).toBe(2);
        // Column lineage from the engine's parse of the transform, on every event, valid as its facet.
        for (const e of events) {
          const out = (e.outputs as Array<{ facets: Record<string, unknown> }>)[0];
          expect(facets.get('ColumnLineageDatasetFacet')!({ columnLineage: out.facets.columnLineage })).toBe(true);
        }
        const lineage = output.facets.columnLineage as unknown as {
          fields: Record<string, { inputFields: Array<{ namespace: string; name: string; field: string }> }>;
        };
        expect(Object.keys(lineage.fields)).toEqual(['id', 'label', 'amount', 'updated_at']);
        // The template casts id (a transformation) and passes label through (identity); the
        // file is named the OpenLineage way, as the run resolved it: file:// and its absolute path.
        expect((events[1].inputs as unknown[])[0]).toEqual({
          namespace: 'file://',
          name: join(dir, 'data', 'records.csv'),
        });
        expect(lineage.fields.id.inputFields).toEqual([
          {
            namespace: 'file://',
            name: join(dir, 'data', 'records.csv'),
            field: 'id',
            transformations: [{ type: 'DIRECT', subtype: 'TRANSFORMATION' }],
          },
        ]);
        expect(lineage.fields.label.inputFields).toEqual([
          {
            namespace: 'file://',
            name: join(dir, 'data', 'records.csv'),
            field: 'label',
            transformations: [{ type: 'DIRECT', subtype: 'IDENTITY' }],
          },
        ]);
        expect(
          (events[3].run as { facets: { errorMessage: { message: string } } }).facets.errorMessage.message,
        ).toMatch(/records/);
      } finally {
        await t.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('never fails the run when the endpoint is down', async () => {
      const logs: unknown[] = [];
      const emit = lineageEmitterFromEnv({ MESH_OPENLINEAGE_URL: 'http://127.0.0.1:9/lineage' }, (e) => logs.push(e))!;
      await expect(emit(buildRunEvent(run))).resolves.toBeUndefined();
      expect(logs).toEqual([expect.objectContaining({ msg: 'lineage endpoint unreachable; event dropped' })]);
    });
  });
});
