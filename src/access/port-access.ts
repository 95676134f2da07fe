/**
 * The SQL port as a read path: the database's own permissions follow the grants. Who may read
 * a major through its PostgreSQL ports is computed here, from the same grants the decision
 * reads (active, for the major or every major): team grants, every team of a granted domain,
 * `everyone` as PUBLIC (masked), and the owning domain's teams in clear. The runner gets it at
 * each publication (`portAccessFor`); approvals, revocations and expiries apply it at once
 * (`syncSqlPorts`).
 */
import { now as clockNow } from '../core/clock.js';
import { maskingKeyFromEnv } from '../engine/masking-key.js';
import type { MeshConfig } from '../core/mesh-config.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import type { PortAccess, SqlReader } from '../ports/postgres-readers.js';
import { syncPortReaders } from '../ports/postgres-readers.js';
import { grantRecord } from '../registry/operations/access/access-rows.js';
import { domainTeams } from '../registry/operations/access/reader-membership.js';
import { getVersion } from '../registry/operations/products/read-products.js';
import type { Registry } from '../registry/registry.js';
import { runTenancy, tenantEnvironment } from '../runner/run-tenancy.js';
import { covers, isActive } from './decide-read.js';

export async function portReaders(
  registry: Registry,
  product: string,
  major: number,
  now: Date = clockNow(),
): Promise<SqlReader[]> {
  const rows = await registry.db.selectFrom('grants').selectAll().where('product_id', '=', product).execute();
  const nowIso = now.toISOString();
  const wanted = new Map<string | null, boolean>();
  const add = (team: string | null, pii: boolean) => wanted.set(team, pii || (wanted.get(team) ?? false));
  for (const team of await domainTeams(registry.db, product.split('/')[0])) add(team, true);
  for (const g of rows.map(grantRecord).filter((g) => covers(g, major) && isActive(g, nowIso))) {
    if (g.granteeKind === 'team') add(g.grantee, g.pii);
    else if (g.granteeKind === 'everyone') add(null, false);
    else if (g.granteeKind === 'domain') for (const team of await domainTeams(registry.db, g.grantee)) add(team, g.pii);
  }
  return [...wanted].map(([team, pii]) => ({ team, pii }));
}

/** `requireHashKey`: a server, where no key means hashing is refused (never the public development key). */
export function portAccessFor(
  registry: Registry,
  hashKey?: string,
  requireHashKey = false,
): (product: string, major: number) => Promise<PortAccess> {
  const key = hashKey ?? (requireHashKey ? undefined : maskingKeyFromEnv().key);
  return async (product, major) => ({ readers: await portReaders(registry, product, major), hashKey: key });
}

/**
 * After a grant of `product` changed: every PostgreSQL port of the majors it covers (the
 * latest version's ports of each) gets its privileges in step now. Connections resolve in the
 * product's domain's environment, as its runs do.
 */
export async function syncSqlPorts(
  registry: Registry,
  config: MeshConfig,
  grant: { product: string; major: number | null },
  options: { hashKey?: string; requireHashKey?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  const majors = grant.major === null ? await publishedMajors(registry, grant.product) : [grant.major];
  const env = tenantEnvironment(options.env ?? process.env, runTenancy(config, grant.product.split('/')[0]));
  const access = portAccessFor(registry, options.hashKey, options.requireHashKey);
  let synced = 0;
  for (const major of majors) {
    const version = await getVersion(registry, grant.product, { major });
    const ports = sqlPorts(version?.descriptor);
    if (ports.length === 0) continue;
    const readers = await access(grant.product, major);
    for (const port of ports)
      if (await syncPortReaders(port, env, version!.descriptor.spec.schema.columns, readers)) synced++;
  }
  return synced;
}

function sqlPorts(descriptor: DataProduct | undefined) {
  return (descriptor?.spec.outputPorts ?? []).filter((p) => p.type === 'postgres');
}

async function publishedMajors(registry: Registry, product: string): Promise<number[]> {
  const rows = await registry.db
    .selectFrom('product_versions')
    .select('major')
    .distinct()
    .where('product_id', '=', product)
    .execute();
  return rows.map((r) => Number(r.major));
}
