/**
 * The stream port: one NATS JetStream stream per product. Each publication sends its new or
 * changed rows (vs the last snapshot the stream announced) as JSON messages on `<subject>.rows`,
 * the rows that left the snapshot on `<subject>.deleted` (the primary key's columns when the
 * product declares one, else the whole removed row), then a `<subject>.snapshot.published`
 * message; every message carries the schema version and the snapshot id in headers, so a
 * consumer can replay from any sequence and rebuild the snapshot exactly.
 * Publishes go out in windows of acks in flight (awaiting each alone is ~5x slower).
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { UnavailableError } from '../core/errors.js';
import { maskedSelect } from '../engine/masked-select.js';
import { noKeyForPort } from './postgres-readers.js';
import { maskingKeyFromEnv } from '../engine/masking-key.js';
import { quoteIdent, quoteLiteral } from '../engine/sql-text.js';
import type { DataProduct, OutputPortSpec } from '../descriptor/data-product-schema.js';
import type { OutputPort, PreparedPublication, PublishContext } from './output-port.js';
import { snapshotKey } from './warehouse.js';

const WINDOW = 256;

export function defaultSubject(productId: string): string {
  return productId.replace('/', '.');
}

/**
 * Stream names and subjects are global in a NATS server. MESH_STREAM_NAMESPACE lets several
 * Meshwork environments (staging and production, or parallel test runs) share one server:
 * it prefixes the stream name and every subject.
 */
export function streamName(productId: string, env: NodeJS.ProcessEnv = {}): string {
  const base = `MESH_${productId.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
  const ns = namespaceOf(env);
  return ns ? `${ns.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}_${base}` : base;
}

export function streamSubject(declared: string | undefined, productId: string, env: NodeJS.ProcessEnv = {}): string {
  const subject = declared ?? defaultSubject(productId);
  const ns = namespaceOf(env);
  return ns ? `${ns}.${subject}` : subject;
}

function namespaceOf(env: NodeJS.ProcessEnv): string | undefined {
  const ns = env.MESH_STREAM_NAMESPACE?.trim();
  return ns ? ns : undefined;
}

export class StreamPort implements OutputPort {
  readonly type = 'stream' as const;
  readonly name: string;
  constructor(
    readonly spec: OutputPortSpec,
    readonly product: DataProduct,
  ) {
    this.name = spec.name;
  }

  async prepare(ctx: PublishContext): Promise<PreparedPublication> {
    const url = ctx.env.MESH_NATS_URL || 'nats://127.0.0.1:4222';
    const subject = streamSubject(this.spec.subject, ctx.productId, ctx.env);
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: url, timeout: 5_000 });
    } catch (error) {
      throw new UnavailableError(
        `output port ${this.name}: cannot reach NATS at ${url.replace(/\/\/[^@]*@/, '//')}: ${(error as Error).message}`,
      );
    }
    const stream = streamName(ctx.productId, ctx.env);
    let base: string | undefined;
    try {
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.streams.info(stream);
        base = await this.lastAnnounced(jsm, stream, subject, ctx);
      } catch {
        await jsm.streams.add({ name: stream, subjects: [`${subject}.>`] });
      }
    } catch (error) {
      await nc.close();
      throw new UnavailableError(
        `output port ${this.name}: cannot prepare JetStream stream ${stream}: ${(error as Error).message}`,
      );
    }
    const location = {
      name: this.name,
      type: 'stream',
      location: `nats stream ${stream}, subjects ${subject}.rows, ${subject}.deleted and ${subject}.snapshot.published`,
    };
    return {
      location,
      commit: async () => {
        try {
          const js = jetstream(nc);
          const changed = await this.send(
            js,
            `${subject}.rows`,
            ctx,
            this.masked(ctx, changedRowsQuery(ctx.snapshotFile, base)),
            'upsert',
          );
          const deleted = base
            ? await this.send(
                js,
                `${subject}.deleted`,
                ctx,
                this.masked(ctx, deletedRowsQuery(ctx.snapshotFile, base, ctx.primaryKey), ctx.primaryKey),
                'delete',
              )
            : 0;
          await js.publish(
            `${subject}.snapshot.published`,
            JSON.stringify({
              product: ctx.productId,
              version: ctx.version,
              snapshotId: ctx.snapshotId,
              rows: ctx.rows,
              changedRows: changed,
              deletedRows: deleted,
              publishedAt: ctx.publishedAt,
            }),
            { headers: this.headers(ctx), msgID: `${ctx.snapshotId}:published` },
          );
          return location;
        } finally {
          await nc.close();
        }
      },
      abort: async () => {
        await nc.close();
      },
    };
  }

  /**
   * What the stream carries: direct and sensitive columns masked (as a download is for a reader
   * without PII clearance: the same keyed hash), unless the port is declared for PII-cleared
   * readers only — governance then admits only PII-cleared teams to the product.
   */
  private masked(ctx: PublishContext, query: string, only?: readonly string[]): string {
    if (this.spec.readers === 'pii-cleared') return query;
    const columns = only?.length ? ctx.columns.filter((c) => only.includes(c.name)) : ctx.columns;
    const hashKey = ctx.access ? ctx.access.hashKey : maskingKeyFromEnv(ctx.env).key;
    const select = maskedSelect(`(${query})`, columns, { piiCleared: false, hashKey: hashKey ?? '' });
    if (select.hashes && hashKey === undefined) throw noKeyForPort(`the stream port ${this.spec.name}`);
    return select.sql;
  }

  private headers(ctx: PublishContext, change?: 'upsert' | 'delete') {
    const h = headers();
    if (change) h.set('Mesh-Change', change);
    h.set('Mesh-Product', ctx.productId);
    h.set('Mesh-Schema-Version', ctx.version);
    h.set('Mesh-Snapshot', ctx.snapshotId);
    return h;
  }

  /**
   * The parquet file of the last snapshot this stream announced: the base the new rows are
   * diffed against. Normally the previous snapshot; older when a publication could not reach
   * the stream (its consumers then get every change since), none when it is no longer kept.
   */
  private async lastAnnounced(
    jsm: Awaited<ReturnType<typeof jetstreamManager>>,
    stream: string,
    subject: string,
    ctx: PublishContext,
  ): Promise<string | undefined> {
    const last = await jsm.streams
      .getMessage(stream, { last_by_subj: `${subject}.snapshot.published` })
      .catch(() => undefined);
    if (!last) return undefined;
    const { snapshotId } = last.json<{ snapshotId?: string }>();
    if (!snapshotId) return undefined;
    const key = snapshotKey(ctx.productId, ctx.major, snapshotId);
    return (await ctx.store.stat(key)) ? ctx.store.localPath(key) : undefined;
  }

  /** Sends every row the query yields as one JSON message on `subject`, a window of acks in flight; returns how many. */
  private async send(
    js: ReturnType<typeof jetstream>,
    subject: string,
    ctx: PublishContext,
    query: string,
    change: 'upsert' | 'delete',
  ): Promise<number> {
    const result = await ctx.engine.connection.stream(query);
    let sent = 0;
    let inFlight: Array<Promise<unknown>> = [];
    for await (const rows of result.yieldRowObjectJson()) {
      for (const row of rows) {
        const ack = js.publish(subject, JSON.stringify(row), {
          headers: this.headers(ctx, change),
          msgID: `${ctx.snapshotId}:${change}:${sent}`,
        });
        // Marked handled at once: a refusal can arrive while the next rows are read; settle() reports it.
        ack.catch(() => undefined);
        inFlight.push(ack);
        sent++;
        if (inFlight.length >= WINDOW) {
          await settle(inFlight);
          inFlight = [];
        }
      }
    }
    await settle(inFlight);
    return sent;
  }
}

/** New or changed rows: the new snapshot EXCEPT the last announced one (all rows when there is none). */
function changedRowsQuery(snapshotFile: string, baseFile: string | undefined): string {
  return baseFile
    ? `SELECT * FROM read_parquet(${quoteLiteral(snapshotFile)}) EXCEPT ALL SELECT * FROM read_parquet(${quoteLiteral(baseFile)})`
    : `SELECT * FROM read_parquet(${quoteLiteral(snapshotFile)})`;
}

/**
 * Rows that left the snapshot: with a primary key, the keys present in the base and gone from
 * the new snapshot (a changed row is an upsert, not a delete); without one, every base row the
 * new snapshot no longer holds, so "remove these, add .rows" rebuilds it exactly.
 */
function deletedRowsQuery(snapshotFile: string, baseFile: string, primaryKey: readonly string[] | undefined): string {
  const [next, base] = [quoteLiteral(snapshotFile), quoteLiteral(baseFile)];
  if (!primaryKey?.length) return `SELECT * FROM read_parquet(${base}) EXCEPT ALL SELECT * FROM read_parquet(${next})`;
  const key = primaryKey.map(quoteIdent).join(', ');
  return `SELECT ${key} FROM read_parquet(${base}) EXCEPT SELECT ${key} FROM read_parquet(${next})`;
}

/** Waits for every ack of a window (none left dangling), then throws the first refusal, if any. */
async function settle(acks: Array<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(acks);
  const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (refused) throw refused.reason;
}
