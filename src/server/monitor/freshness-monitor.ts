/**
 * Watches freshness: a product whose last good publication is older than its
 * `spec.freshness.alert_after` (or that never had one, counted from its creation) gets an
 * incident, which alerts its on-call through the webhooks subscribed to `incident.*`. When it
 * is fresh again the monitor resolves the incident, which sends the resolution alert. One open
 * incident per product is enforced by the registry, so several replicas can run this.
 */
import { now as clockNow } from '../../core/clock.js';
import { getOpenIncident, openIncident, resolveIncident } from '../../registry/operations/incidents/incidents.js';
import type { Registry } from '../../registry/registry.js';
import type { DataProduct } from '../../descriptor/data-product-schema.js';
import { formatDuration, parseDuration } from '../../descriptor/duration.js';
import { silentLog, type LogSink } from '../../core/json-log.js';
import type { BackgroundService } from '../background-service.js';
import { retireExpiredVersions } from '../../registry/operations/versions/retire-expired-versions.js';
import { lastGoodPublications } from './good-publications.js';
import { sweepExpiredGrants } from '../../registry/operations/access/sweep-expired-grants.js';

export const MONITOR_ACTOR = 'meshwork:monitor';

export interface FreshnessMonitorOptions {
  readonly registry: Registry;
  readonly intervalMs?: number;
  readonly now?: () => Date;
  readonly log?: LogSink;
  /** Called for each grant this tick announced as expired (the SQL ports revoke it in the database). */
  readonly onGrantExpired?: (grantId: string) => Promise<void>;
}

export interface MonitorTickResult {
  readonly opened: string[];
  readonly resolved: string[];
  /** product@version of the versions retired in this tick (sunset passed). */
  readonly retired: string[];
}

export class FreshnessMonitor implements BackgroundService {
  readonly name = 'freshness-monitor';
  #timer?: NodeJS.Timeout;
  #running?: Promise<unknown>;
  #stopped = false;

  constructor(readonly options: FreshnessMonitorOptions) {}

  async start(): Promise<void> {
    this.#stopped = false;
    const loop = () => {
      if (this.#stopped) return;
      this.#running = this.tick()
        .catch((error) =>
          (this.options.log ?? silentLog)({
            level: 'warn',
            msg: 'freshness tick failed',
            error: (error as Error).message,
          }),
        )
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.options.intervalMs ?? 30_000);
        });
    };
    this.#timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Freshness settings per product, parsed once per version: a tick on a large catalog reads ids and times, not every descriptor. */
  readonly #freshness = new Map<string, { version: string; freshness: DataProduct['spec']['freshness'] }>();

  async #loadFreshness(stale: ReadonlyArray<{ id: string; latest_version: string }>): Promise<void> {
    for (let i = 0; i < stale.length; i += 500) {
      const chunk = stale.slice(i, i + 500);
      const rows = await this.options.registry.db
        .selectFrom('products')
        .innerJoin('product_versions', (join) =>
          join
            .onRef('product_versions.product_id', '=', 'products.id')
            .onRef('product_versions.version', '=', 'products.latest_version'),
        )
        .select(['products.id', 'product_versions.version', 'product_versions.descriptor'])
        .where(
          'products.id',
          'in',
          chunk.map((p) => p.id),
        )
        .execute();
      for (const r of rows)
        this.#freshness.set(r.id, {
          version: r.version,
          freshness: (JSON.parse(r.descriptor) as DataProduct).spec.freshness,
        });
      await new Promise((resolve) => setImmediate(resolve)); // let requests through between chunks
    }
  }

  async tick(): Promise<MonitorTickResult> {
    const { registry } = this.options;
    const now = (this.options.now ?? clockNow)();
    const products = await registry.db
      .selectFrom('products')
      .select(['id', 'oncall', 'created_at', 'latest_version'])
      .execute();
    await this.#loadFreshness(products.filter((p) => this.#freshness.get(p.id)?.version !== p.latest_version));
    // Majors past their sunset are retired here too: no longer readable, their data kept.
    const retired = await retireExpiredVersions(registry, now, MONITOR_ACTOR);
    for (const r of retired) this.options.log?.({ msg: 'version retired', product: r.product, version: r.version });
    // Expired grants already stop working at read time; this announces them (access.expired, once each).
    for (const grant of await sweepExpiredGrants(registry, now.toISOString())) {
      this.options.log?.({ msg: 'grant expired', grant });
      await this.options
        .onGrantExpired?.(grant)
        .catch((error: unknown) =>
          this.options.log?.({ msg: 'grant expired, SQL ports not updated', grant, error: String(error) }),
        );
    }
    const lastGood = await lastGoodPublications(registry);
    const opened: string[] = [];
    const resolved: string[] = [];
    for (const p of products) {
      const freshness = this.#freshness.get(p.id)?.freshness;
      if (!freshness?.target) continue;
      const targetMs = parseDuration(freshness.target)!;
      const alertMs = (freshness.alert_after && parseDuration(freshness.alert_after)) || targetMs;
      const last = lastGood.get(p.id);
      const age = now.getTime() - Date.parse(last ?? p.created_at);
      if (age > alertMs) {
        const summary = last
          ? `stale: last good publication ${formatDuration(age)} ago (${last}); alert after ${freshness.alert_after ?? freshness.target}`
          : `never published: no good publication in the ${formatDuration(age)} since the product was created; alert after ${freshness.alert_after ?? freshness.target}`;
        const incident = await openIncident(registry, { product: p.id, kind: 'freshness', summary, oncall: p.oncall });
        if (incident) {
          opened.push(incident.id);
          this.options.log?.({ level: 'warn', msg: 'incident opened', incident: incident.id, product: p.id });
        }
      } else if (last && age <= targetMs) {
        const open = await getOpenIncident(registry.db, p.id);
        if (open && open.kind === 'freshness') {
          await resolveIncident(
            registry,
            open.id,
            MONITOR_ACTOR,
            `recovered: fresh again (last good publication ${last})`,
          );
          resolved.push(open.id);
          this.options.log?.({ msg: 'incident resolved', incident: open.id, product: p.id });
        }
      }
    }
    return { opened, resolved, retired: retired.map((r) => `${r.product}@${r.version}`) };
  }
}
