/**
 * The lineage page's logic, apart from React: the graph as GET /v1/lineage returns it, merging a
 * fetched hop into what is shown, what a node's state is (failing, stale), which nodes a column
 * comes from, and the layout (elkjs, layered, left → right: sources and inputs on the left,
 * consumers on the right). Pure functions of their arguments, so they are tested in Node.
 */
import * as elkModule from 'elkjs/lib/elk.bundled.js';
import type { ELK, ElkNode } from 'elkjs/lib/elk-api.js';

// The API's own types (types only: nothing of the core library is bundled).
import type { ColumnLineage, LineageEdge, LineageGraph, LineageNode } from '../../src/lineage/lineage-graph-types.js';

export type {
  ColumnDerivation,
  ColumnLineage,
  InputColumn,
  LineageEdge,
  LineageGraph,
  LineageNode,
  LineageNodeStatus,
} from '../../src/lineage/lineage-graph-types.js';

/** What the page shows: every hop fetched so far. */
export interface LineageView {
  readonly root: string;
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  readonly columns: Record<string, ColumnLineage>;
  /** Nodes the walks found but no page brought yet (a neighbourhood larger than a page). */
  readonly notShown: number;
  /** The walks with pages left, in the order they were fetched. */
  readonly pending: readonly PendingPage[];
}

/** Which walk a page comes from: a product, a direction and a number of hops. */
export interface LineageRequest {
  readonly product: string;
  readonly direction: string;
  readonly depth: number;
}

/** A walk with nodes left: the cursor of its next page and how many nodes it has not brought. */
export interface PendingPage extends LineageRequest {
  readonly cursor: string;
  readonly remaining: number;
}

export interface PositionedNode {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 64;

const edgeKey = (e: LineageEdge) => `${e.from}→${e.to}`;

export function viewOf(graph: LineageGraph, request?: LineageRequest): LineageView {
  return mergeHop({ root: graph.root, nodes: [], edges: [], columns: {}, notShown: 0, pending: [] }, graph, request);
}

/** The walk a page answered, as the page says it. */
function requestOf(graph: LineageGraph): LineageRequest {
  return {
    product: graph.root.replace(/^product:/, ''),
    direction: graph.direction,
    depth: graph.depth,
  };
}

const sameWalk = (a: LineageRequest, b: LineageRequest) =>
  a.product === b.product && a.direction === b.direction && a.depth === b.depth;

/**
 * `hop` added to `view`: a node already shown keeps its place (its depth and side from the
 * root's walk), new ones come in, edges are kept once each. `request` is the walk the page
 * came from, with what it had left before this page when it is a next page.
 */
export function mergeHop(
  view: LineageView,
  hop: LineageGraph,
  request: LineageRequest & { readonly remaining?: number } = requestOf(hop),
): LineageView {
  const nodes = new Map(view.nodes.map((n) => [n.id, n]));
  for (const n of hop.nodes) if (!nodes.has(n.id)) nodes.set(n.id, sideFrom(view, hop, n));
  const edges = new Map(view.edges.map((e) => [edgeKey(e), e]));
  for (const e of hop.edges) if (!edges.has(edgeKey(e))) edges.set(edgeKey(e), e);
  return {
    root: view.root,
    nodes: [...nodes.values()],
    edges: [...edges.values()],
    columns: { ...view.columns, ...(hop.columns ?? {}) },
    ...pendingAfter(view.pending, hop, request),
  };
}

/** The walks left to page after `hop`: its own walk replaced by its next page, if it has one. */
function pendingAfter(
  pending: readonly PendingPage[],
  hop: LineageGraph,
  request: LineageRequest & { readonly remaining?: number },
): Pick<LineageView, 'pending' | 'notShown'> {
  const walk = { product: request.product, direction: request.direction, depth: request.depth };
  const left = Math.max(0, (request.remaining ?? hop.total) - hop.nodes.length);
  const next = pending.filter((p) => !sameWalk(p, walk));
  if (hop.nextCursor && left > 0) next.push({ ...walk, cursor: hop.nextCursor, remaining: left });
  return { pending: next, notShown: next.reduce((n, p) => n + p.remaining, 0) };
}

/** A node of a hop walked from another node: its depth and side as seen from the page's root. */
function sideFrom(view: LineageView, hop: LineageGraph, node: LineageNode): LineageNode {
  if (view.nodes.length === 0 || hop.root === view.root) return node;
  const from = view.nodes.find((n) => n.id === hop.root);
  if (!from || node.side === 'root') return node;
  const side = from.side === 'root' ? node.side : from.side;
  return { ...node, side, depth: from.depth + node.depth };
}

export type NodeHealth = 'failing' | 'stale' | 'ok';

/** Failing: the last run failed or a check failed in it; stale: older than its freshness target. */
export function nodeHealth(node: LineageNode): NodeHealth {
  const s = node.status;
  if (!s) return 'ok';
  if (s.lastRun?.status === 'failed' || s.failingChecks > 0) return 'failing';
  if (s.freshness === 'late') return 'stale';
  return 'ok';
}

/** The product page of a product node (`#/p/domain/name`), if it is one in the catalog. */
export function productHref(node: LineageNode): string | null {
  if (node.kind !== 'product' || node.external || !node.product) return null;
  const [domain, name] = node.product.split('/');
  return `#/p/${encodeURIComponent(domain)}/${encodeURIComponent(name)}`;
}

export interface ColumnSource {
  readonly nodeId: string | null;
  readonly label: string;
  readonly input: string;
  readonly column: string;
}

/** The nodes a product's column comes from: each input column mapped through the edge of that input name. */
export function columnSources(view: LineageView, product: string, column: string): ColumnSource[] {
  const derivation = view.columns[product]?.columns.find((c) => c.column === column);
  if (!derivation) return [];
  const target = `product:${product}`;
  return derivation.inputs.map((i) => {
    const edge = view.edges.find((e) => e.to === target && e.kind === 'reads' && e.input === i.input);
    const node = edge ? view.nodes.find((n) => n.id === edge.from) : undefined;
    return { nodeId: node?.id ?? null, label: node?.label ?? i.input, input: i.input, column: i.column };
  });
}

const LAYOUT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.spacing.nodeNode': '20',
  'elk.layered.spacing.nodeNodeBetweenLayers': '70',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.thoroughness': '4',
};

/** The ELK graph of a view: fixed-size nodes in a stable order, edges between shown nodes only. */
export function toElkGraph(view: LineageView): ElkNode {
  const order = [...view.nodes].sort(
    (a, b) => signedDepth(a) - signedDepth(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const ids = new Set(order.map((n) => n.id));
  return {
    id: 'lineage',
    layoutOptions: LAYOUT_OPTIONS,
    children: order.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: view.edges
      .filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to)
      .map((e) => ({ id: edgeKey(e), sources: [e.from], targets: [e.to] })),
  };
}

const signedDepth = (n: LineageNode) => (n.side === 'upstream' ? -n.depth : n.depth);

// A CommonJS module: its constructor is the default export to the bundler and under Node's ESM
// loader, but TypeScript's NodeNext view (the tests) sees the module object; both are covered.
type ElkConstructor = new () => ELK;
const moduleValue = elkModule as unknown as { default?: ElkConstructor | { default?: ElkConstructor } };
const ElkClass = (
  typeof moduleValue.default === 'function' ? moduleValue.default : moduleValue.default?.default
) as ElkConstructor;

let elk: ELK | undefined;

/** Every node of the view positioned by ELK's layered layout, left → right in the direction data flows. */
export async function layoutLineage(view: LineageView): Promise<PositionedNode[]> {
  elk ??= new ElkClass();
  const laid = await elk.layout(toElkGraph(view));
  return (laid.children ?? []).map((c) => ({
    id: c.id,
    x: c.x ?? 0,
    y: c.y ?? 0,
    width: c.width ?? NODE_WIDTH,
    height: c.height ?? NODE_HEIGHT,
  }));
}
