/**
 * The PostgreSQL-sourced example (examples/sales/invoices) on the real Chinook database:
 * published from its folder, run, loaded incrementally, announced on NATS.
 */
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDescriptorFile } from '../../src/platform/descriptor-bundle.js';
import { streamName } from '../../src/ports/stream-port.js';
import { createChinookDatabase, REPO_ROOT, type ChinookDatabase } from '../helpers/chinook.js';
import { createPipelineHarness, type PipelineHarness } from '../helpers/pipelines.js';

describe('examples/sales/invoices on Chinook', () => {
  let chinook: ChinookDatabase;
  let h: PipelineHarness;

  beforeAll(async () => {
    chinook = await createChinookDatabase();
    h = await createPipelineHarness('postgres');
  });
  afterAll(async () => {
    await h?.dispose();
    await chinook?.drop();
  });

  it('publishes from the folder, runs, then picks up only new invoices', async () => {
    const checked = loadDescriptorFile(join(REPO_ROOT, 'examples/sales/invoices/product.yaml'));
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    await h.platform.publish(checked.bundle);
    const nc = await connect({ servers: process.env.MESH_NATS_URL ?? 'nats://127.0.0.1:4222' });
    const jsm = await jetstreamManager(nc);
    // A namespace of this run's own, so parallel runs on one NATS never share the example's stream.
    const env = {
      ...process.env,
      CHINOOK_DB_URI: chinook.url,
      MESH_STREAM_NAMESPACE: `t${process.pid}${Date.now().toString(36)}`,
    };
    const stream = streamName('sales/invoices', env);
    try {
      const first = await h.platform.runProduct('sales/invoices', { env });
      expect(first.error).toBeNull();
      expect(first.rowsOut).toBe(412);
      expect((await jsm.streams.info(stream)).state.messages).toBe(413);
      await chinook.query(
        `INSERT INTO invoice (invoice_id, customer_id, invoice_date, billing_country, total) VALUES (10001, 5, '2026-03-01', 'Norway', 4.95)`,
      );
      const second = await h.platform.runProduct('sales/invoices', { env });
      expect(second.inputs[0]).toMatchObject({ rowsIn: 1, watermark: '2026-03-01 00:00:00' });
      expect(second.rowsOut).toBe(413);
      expect((await jsm.streams.info(stream)).state.messages).toBe(415);
    } finally {
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  });
});
