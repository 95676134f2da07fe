/**
 * The lineage graph around one product: a breadth-first walk over the stored edges (one
 * indexed lookup per hop and direction), teams holding grants as leaves downstream, cycles
 * found on the walked edges (each node is visited once, so a cycle never loops the walk), and
 * the result cut into pages in a stable order so a product with thousands of consumers
 * answers its first page at once. Status and column lineage are read for the page only.
 */
import { nowMs, nowIso } from '../core/clock.js';
import { InputError, NotFoundError } from '../core/errors.js';
import { parseDuration } from '../descriptor/duration.js';
import { parseProductRef, productId } from '../descriptor/product-ref.js';
import type { Registry } from '../registry/registry.js';
import { getVersion } from '../registry/operations/products/read-products.js';
import { productNodeId, productOfNode, teamNodeId } from '../registry/operations/lineage/lineage-ids.js';
import {
  lineageEdgesOf,
  lineageNodes,
  productContacts,
  teamGrants,
  type LineageNodeRow,
} from '../registry/operations/lineage/read-lineage.js';
import { columnLineage, type ColumnLineage } from './column-lineage.js';
import type {
  LineageDirection,
  LineageEdge,
  LineageGraph,
  LineageNode,
  LineageNodeKind,
  LineageNodeStatus,
  LineageOptions,
} from './lineage-graph-types.js';
import { findCycles } from './lineage-cycles.js';

/** A walk stops collecting edges past this many (and says so): bounds the cost of a huge neighbourhood. */
export const MAX_WALK_EDGES = 50_000;
const DEFAULT_DEPTH = 3;
const DEFAULT_LIMIT = 200;

interface Walked {
  readonly id: string;
  readonly depth: number;
  readonly side: 'root' | 'upstream' | 'downstream';
}

interface Walk {
  readonly order: Walked[];
  readonly edges: LineageEdge[];
  truncated: boolean;
}

export async function lineageGraph(
  registry: Registry,
  ref: string,
  options: LineageOptions = {},
): Promise<LineageGraph> {
  const { product, direction, depth, limit, offset } = lineageRequest(ref, options);
  const root = productNodeId(product);
  const known = await registry.db.selectFrom('products').select('id').where('id', '=', product).executeTakeFirst();
  if (!known)
    throw new NotFoundError(`no product ${product} in the catalog`, {
      details: { hint: 'mesh catalog search <text> finds products' },
    });
  const walk = await walkLineage(registry, root, direction, depth);
  const index = new Map(walk.order.map((w, i) => [w.id, i]));
  const page = walk.order.slice(offset, offset + limit);
  const edges = walk.edges.filter((e) => {
    const at = Math.max(index.get(e.from) ?? 0, index.get(e.to) ?? 0);
    return at >= offset && at < offset + limit;
  });
  const nodes = await describeNodes(registry, page);
  const next = offset + limit < walk.order.length ? encodeCursor(product, direction, depth, offset + limit) : null;
  return {
    root,
    direction,
    depth,
    nodes,
    edges,
    cycles: findCycles(walk.edges.filter((e) => e.kind === 'reads')),
    total: walk.order.length,
    nextCursor: next,
    truncated: walk.truncated,
    ...(options.columns ? { columns: await pageColumnLineage(registry, nodes) } : {}),
  };
}

function lineageRequest(ref: string, options: LineageOptions) {
  const parsed = parseProductRef(ref);
  if (!parsed || parsed.version || parsed.major !== undefined)
    throw new InputError(`"${ref}" is not a product; write domain/name`);
  const product = productId(parsed.domain, parsed.name);
  const direction = options.direction ?? 'both';
  if (!['upstream', 'downstream', 'both'].includes(direction))
    throw new InputError(`direction must be upstream, downstream or both, not "${String(direction)}"`);
  const depth = options.depth ?? DEFAULT_DEPTH;
  if (!Number.isInteger(depth) || depth < 1 || depth > 10)
    throw new InputError('depth must be an integer from 1 to 10');
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new InputError('limit must be an integer from 1 to 1000');
  const offset = options.cursor ? decodeCursor(options.cursor, product, direction, depth) : 0;
  return { product, direction, depth, limit, offset };
}

async function walkLineage(
  registry: Registry,
  root: string,
  direction: LineageDirection,
  depth: number,
): Promise<Walk> {
  const walk: Walk = { order: [{ id: root, depth: 0, side: 'root' }], edges: [], truncated: false };
  const seen = new Set([root]);
  if (direction !== 'downstream') await walkSide(registry, walk, seen, root, 'upstream', depth);
  if (direction !== 'upstream') await walkSide(registry, walk, seen, root, 'downstream', depth);
  const rank = (w: Walked) => (w.side === 'root' ? 0 : w.side === 'upstream' ? 1 : 2);
  walk.order.sort((a, b) => a.depth - b.depth || rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return walk;
}

/** One direction, hop by hop; downstream, each product's grant-holding teams hang below it. */
async function walkSide(
  registry: Registry,
  walk: Walk,
  seen: Set<string>,
  root: string,
  side: 'upstream' | 'downstream',
  depth: number,
): Promise<void> {
  let frontier = [root];
  const now = nowIso();
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: string[] = [];
    const visit = (edge: LineageEdge, other: string) => {
      walk.edges.push(edge);
      if (seen.has(other)) return;
      seen.add(other);
      walk.order.push({ id: other, depth: d, side });
      if (edge.kind === 'reads') next.push(other);
    };
    for (const row of await lineageEdgesOf(registry.db, frontier, side))
      visit(
        { from: row.from, to: row.to, kind: 'reads', origin: row.origin, ...(row.input ? { input: row.input } : {}) },
        side === 'downstream' ? row.to : row.from,
      );
    if (side === 'downstream') {
      const products = frontier.map(productOfNode).filter((p): p is string => p !== undefined);
      for (const g of await teamGrants(registry.db, products, now))
        visit(
          { from: productNodeId(g.product), to: teamNodeId(g.team), kind: 'grant', origin: 'grant' },
          teamNodeId(g.team),
        );
    }
    if (walk.edges.length > MAX_WALK_EDGES) {
      walk.truncated = true;
      return;
    }
    frontier = next;
  }
}

async function describeNodes(registry: Registry, page: readonly Walked[]): Promise<LineageNode[]> {
  const rows = await lineageNodes(
    registry.db,
    page.map((w) => w.id),
  );
  const products = page.map((w) => productOfNode(w.id)).filter((p): p is string => p !== undefined);
  const contacts = await productContacts(registry.db, products);
  const now = nowMs();
  return page.map((w) => {
    const row = rows.get(w.id);
    const product = productOfNode(w.id);
    const contact = product ? contacts.get(product) : undefined;
    const kind = (w.id.startsWith('team:') ? 'team' : (row?.kind ?? kindOfId(w.id))) as LineageNodeKind;
    return {
      id: w.id,
      kind,
      label: row?.label ?? w.id.slice(w.id.indexOf(':') + 1),
      depth: w.depth,
      side: w.side,
      external: product ? !contact : Boolean(row?.external),
      ...(product ? { product } : {}),
      ...(contact ? { version: contact.version, owner: contact.owner, oncall: contact.oncall } : {}),
      ...(row?.namespace ? { namespace: row.namespace } : {}),
      ...(row?.name ? { name: row.name } : {}),
      ...((product && contact) || row?.kind === 'job' ? { status: nodeStatus(row, now) } : {}),
    };
  });
}

function kindOfId(id: string): string {
  return id.slice(0, id.indexOf(':'));
}

/** Last run, freshness against the target, failing checks of the last run. */
export function nodeStatus(row: LineageNodeRow | undefined, now: number): LineageNodeStatus {
  const target = row?.freshnessTarget ? parseDuration(row.freshnessTarget) : undefined;
  const freshness =
    target === undefined
      ? 'no-target'
      : !row?.lastGoodAt
        ? 'never-run'
        : now - Date.parse(row.lastGoodAt) > target
          ? 'late'
          : 'fresh';
  return {
    lastRun:
      row?.lastRunId && row.lastRunStatus && row.lastRunAt
        ? { id: row.lastRunId, status: row.lastRunStatus, at: row.lastRunAt }
        : null,
    freshness,
    lastGoodAt: row?.lastGoodAt ?? null,
    failingChecks: row?.failingChecks ?? 0,
  };
}

async function pageColumnLineage(
  registry: Registry,
  nodes: readonly LineageNode[],
): Promise<Record<string, ColumnLineage>> {
  const out: Record<string, ColumnLineage> = {};
  for (const node of nodes) {
    if (node.kind !== 'product' || node.external || !node.product) continue;
    const version = await getVersion(registry, node.product);
    if (!version?.transformSql) continue;
    const d = version.descriptor;
    out[node.product] = await columnLineage(
      version.transformSql,
      d.spec.inputs.map((i) => i.name),
      d.spec.schema.columns.map((c) => c.name),
    );
  }
  return out;
}

function encodeCursor(product: string, direction: string, depth: number, offset: number): string {
  return Buffer.from(JSON.stringify({ p: product, d: direction, n: depth, o: offset })).toString('base64url');
}

function decodeCursor(cursor: string, product: string, direction: string, depth: number): number {
  let value: { p?: unknown; d?: unknown; n?: unknown; o?: unknown } | undefined;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof value;
  } catch {
    value = undefined;
  }
  if (
    !value ||
    value.p !== product ||
    value.d !== direction ||
    value.n !== depth ||
    typeof value.o !== 'number' ||
    !Number.isInteger(value.o) ||
    value.o < 0
  )
    throw new InputError('the cursor does not belong to this lineage request; start again without it');
  return value.o;
}
