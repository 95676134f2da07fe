import type { RegistryTx } from '../../registry.js';

export interface LineageEdgeRow {
  readonly from: string;
  readonly to: string;
  readonly origin: string;
  readonly input: string;
}

export interface LineageNodeRow {
  readonly id: string;
  readonly kind: string;
  readonly label: string;
  readonly namespace: string | null;
  readonly name: string | null;
  readonly external: boolean;
  readonly freshnessTarget: string | null;
  readonly lastRunId: string | null;
  readonly lastRunStatus: string | null;
  readonly lastRunAt: string | null;
  readonly lastGoodAt: string | null;
  readonly failingChecks: number;
}

const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The edges leaving (`downstream`) or entering (`upstream`) the given nodes: one indexed lookup per 500 ids. */
export async function lineageEdgesOf(
  db: RegistryTx,
  ids: readonly string[],
  direction: 'upstream' | 'downstream',
): Promise<LineageEdgeRow[]> {
  const column = direction === 'downstream' ? 'from_id' : 'to_id';
  const out: LineageEdgeRow[] = [];
  for (const part of chunks(ids)) {
    const rows = await db
      .selectFrom('lineage_edges')
      .select(['from_id', 'to_id', 'origin', 'input_name'])
      .where(column, 'in', part)
      .execute();
    for (const r of rows) out.push({ from: r.from_id, to: r.to_id, origin: r.origin, input: r.input_name });
  }
  return out;
}

export async function lineageNodes(db: RegistryTx, ids: readonly string[]): Promise<Map<string, LineageNodeRow>> {
  const out = new Map<string, LineageNodeRow>();
  for (const part of chunks(ids)) {
    const rows = await db.selectFrom('lineage_nodes').selectAll().where('id', 'in', part).execute();
    for (const r of rows)
      out.set(r.id, {
        id: r.id,
        kind: r.kind,
        label: r.label,
        namespace: r.namespace,
        name: r.name,
        external: Number(r.external) === 1,
        freshnessTarget: r.freshness_target,
        lastRunId: r.last_run_id,
        lastRunStatus: r.last_run_status,
        lastRunAt: r.last_run_at,
        lastGoodAt: r.last_good_at,
        failingChecks: Number(r.failing_checks),
      });
  }
  return out;
}

/** Owner and on-call of catalog products. */
export async function productContacts(
  db: RegistryTx,
  products: readonly string[],
): Promise<Map<string, { owner: string; oncall: string | null; version: string }>> {
  const out = new Map<string, { owner: string; oncall: string | null; version: string }>();
  for (const part of chunks(products)) {
    const rows = await db
      .selectFrom('products')
      .select(['id', 'owner', 'oncall', 'latest_version'])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.id, { owner: r.owner, oncall: r.oncall, version: r.latest_version });
  }
  return out;
}

/** Teams holding a grant on each product that is neither revoked nor expired at `now` (src/access's grants). */
export async function teamGrants(
  db: RegistryTx,
  products: readonly string[],
  now: string,
): Promise<Array<{ product: string; team: string; pii: boolean; major: number | null }>> {
  const out: Array<{ product: string; team: string; pii: boolean; major: number | null }> = [];
  for (const part of chunks(products)) {
    const rows = await db
      .selectFrom('grants')
      .select(['product_id', 'grantee', 'pii', 'major'])
      .where('product_id', 'in', part)
      .where('grantee_kind', '=', 'team')
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .execute();
    for (const r of rows)
      out.push({ product: r.product_id, team: r.grantee, pii: Number(r.pii) === 1, major: r.major });
  }
  return out;
}
