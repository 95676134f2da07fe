/**
 * The lineage page's logic without a browser: merging a fetched hop into the view, health of a
 * node, where a column comes from, and elkjs's layered layout of a graph (left → right in the
 * direction data flows, no two nodes on top of each other, the same answer every time).
 */
import { describe, expect, it } from 'vitest';
import {
  columnSources,
  layoutLineage,
  mergeHop,
  nodeHealth,
  NODE_HEIGHT,
  NODE_WIDTH,
  productHref,
  viewOf,
  type LineageEdge,
  type LineageGraph,
  type LineageNode,
} from '../../web/src/lineage-layout.js';

const product = (
  ref: string,
  side: LineageNode['side'],
  depth: number,
  extra: Partial<LineageNode> = {},
): LineageNode => ({
  id: `product:${ref}`,
  kind: 'product',
  label: ref,
  depth,
  side,
  external: false,
  product: ref,
  ...extra,
});
const reads = (from: string, to: string, input?: string): LineageEdge => ({
  from: `product:${from}`,
  to: `product:${to}`,
  kind: 'reads',
  origin: 'publish',
  ...(input ? { input } : {}),
});
const graph = (
  root: string,
  nodes: LineageNode[],
  edges: LineageEdge[],
  extra: Partial<LineageGraph> = {},
): LineageGraph => ({
  root: `product:${root}`,
  direction: 'both',
  depth: 1,
  nodes,
  edges,
  cycles: [],
  total: nodes.length,
  nextCursor: null,
  truncated: false,
  ...extra,
});

const oneHop = graph(
  'sales/revenue',
  [
    product('sales/revenue', 'root', 0),
    product('sales/orders', 'upstream', 1),
    product('finance/ledger', 'downstream', 1),
  ],
  [reads('sales/orders', 'sales/revenue', 'orders'), reads('sales/revenue', 'finance/ledger', 'revenue')],
  {
    columns: {
      'sales/revenue': {
        columns: [
          { column: 'id', kind: 'identity', inputs: [{ input: 'orders', column: 'id' }] },
          {
            column: 'total',
            kind: 'aggregation',
            inputs: [
              { input: 'orders', column: 'amount' },
              { input: 'fx', column: 'rate' },
            ],
          },
        ],
        dataset: [],
      },
    },
  },
);

describe('merging a hop', () => {
  it('adds the next hop of a downstream node on the downstream side, one hop further, each edge once', () => {
    const hop = graph(
      'finance/ledger',
      [
        product('finance/ledger', 'root', 0),
        product('finance/forecast', 'downstream', 1),
        product('sales/revenue', 'upstream', 1),
      ],
      [reads('finance/ledger', 'finance/forecast'), reads('sales/revenue', 'finance/ledger', 'revenue')],
    );
    const merged = mergeHop(viewOf(oneHop), hop);
    expect(merged.nodes.map((n) => [n.id, n.side, n.depth])).toEqual([
      ['product:sales/revenue', 'root', 0],
      ['product:sales/orders', 'upstream', 1],
      ['product:finance/ledger', 'downstream', 1],
      ['product:finance/forecast', 'downstream', 2],
    ]);
    expect(merged.edges).toHaveLength(3);
    expect(merged.columns['sales/revenue'].columns).toHaveLength(2);
    expect(merged.notShown).toBe(0);
  });

  it('counts the nodes a page did not bring and keeps the cursor of its walk', () => {
    const view = viewOf(
      { ...oneHop, total: 250, nextCursor: 'c1' },
      { product: 'sales/revenue', direction: 'both', depth: 1 },
    );
    expect(view.notShown).toBe(247);
    expect(view.pending).toEqual([
      { product: 'sales/revenue', direction: 'both', depth: 1, cursor: 'c1', remaining: 247 },
    ]);
  });

  it('merges the next page of a walk in place of its cursor, until the walk has no page left', () => {
    const walk = { product: 'sales/revenue', direction: 'both', depth: 1 };
    const first = viewOf({ ...oneHop, total: 5, nextCursor: 'c1' }, walk);
    const page2 = graph(
      'sales/revenue',
      [product('finance/audit', 'downstream', 1)],
      [reads('sales/revenue', 'finance/audit', 'revenue')],
      { total: 5, nextCursor: 'c2' },
    );
    const second = mergeHop(first, page2, first.pending[0]);
    expect(second.nodes.map((n) => n.id)).toContain('product:finance/audit');
    expect(second.pending).toEqual([{ ...walk, cursor: 'c2', remaining: 1 }]);
    expect(second.notShown).toBe(1);
    const page3 = graph('sales/revenue', [product('finance/tax', 'downstream', 1)], [], { total: 5, nextCursor: null });
    const last = mergeHop(second, page3, second.pending[0]);
    expect(last.nodes).toHaveLength(5);
    expect(last.pending).toEqual([]);
    expect(last.notShown).toBe(0);
  });

  it('keeps the pages left of other walks when a hop is expanded', () => {
    const first = viewOf(
      { ...oneHop, total: 9, nextCursor: 'c1' },
      { product: 'sales/revenue', direction: 'both', depth: 1 },
    );
    const hop = graph(
      'finance/ledger',
      [product('finance/ledger', 'root', 0), product('finance/forecast', 'downstream', 1)],
      [],
      {
        total: 4,
        nextCursor: 'h1',
      },
    );
    const merged = mergeHop(first, hop, { product: 'finance/ledger', direction: 'downstream', depth: 1 });
    expect(merged.pending.map((p) => [p.product, p.cursor, p.remaining])).toEqual([
      ['sales/revenue', 'c1', 6],
      ['finance/ledger', 'h1', 2],
    ]);
    expect(merged.notShown).toBe(8);
  });
});

describe('a node', () => {
  const status = (s: Partial<NonNullable<LineageNode['status']>>) => ({
    status: { lastRun: null, freshness: 'fresh' as const, lastGoodAt: null, failingChecks: 0, ...s },
  });
  it('is failing when its last run failed or a check failed, stale when late, else ok', () => {
    expect(nodeHealth(product('a/b', 'root', 0, status({ lastRun: { id: 'r', status: 'failed', at: 'x' } })))).toBe(
      'failing',
    );
    expect(nodeHealth(product('a/b', 'root', 0, status({ failingChecks: 2 })))).toBe('failing');
    expect(nodeHealth(product('a/b', 'root', 0, status({ freshness: 'late' })))).toBe('stale');
    expect(nodeHealth(product('a/b', 'root', 0, status({ freshness: 'never-run' })))).toBe('ok');
    expect(nodeHealth(product('a/b', 'root', 0))).toBe('ok');
  });
  it('links to its product page when it is a product in the catalog', () => {
    expect(productHref(product('sales/orders', 'root', 0))).toBe('#/p/sales/orders');
    expect(productHref(product('ghost/x', 'root', 0, { external: true }))).toBeNull();
    expect(productHref({ ...product('s/t', 'upstream', 1), kind: 'source', product: undefined })).toBeNull();
  });
});

describe('a column', () => {
  it('comes from the nodes its inputs read, and an input with no edge is named as it is', () => {
    const view = viewOf(oneHop);
    expect(columnSources(view, 'sales/revenue', 'id')).toEqual([
      { nodeId: 'product:sales/orders', label: 'sales/orders', input: 'orders', column: 'id' },
    ]);
    expect(columnSources(view, 'sales/revenue', 'total')).toEqual([
      { nodeId: 'product:sales/orders', label: 'sales/orders', input: 'orders', column: 'amount' },
      { nodeId: null, label: 'fx', input: 'fx', column: 'rate' },
    ]);
    expect(columnSources(view, 'sales/revenue', 'nope')).toEqual([]);
    expect(columnSources(view, 'finance/ledger', 'id')).toEqual([]);
  });
});

describe('the layout', () => {
  /** A root with `fan` inputs and `fan` consumers per node, `hops` deep on each side. */
  function tree(fan: number, hops: number): LineageGraph {
    const nodes = [product('r/root', 'root', 0)];
    const edges: LineageEdge[] = [];
    let n = 0;
    const grow = (parent: string, side: 'upstream' | 'downstream', depth: number) => {
      if (depth > hops) return;
      for (let i = 0; i < fan; i++) {
        const ref = `${side === 'upstream' ? 'u' : 'd'}/n${n++}`;
        nodes.push(product(ref, side, depth));
        edges.push(side === 'upstream' ? reads(ref, parent) : reads(parent, ref));
        grow(ref, side, depth + 1);
      }
    };
    grow('r/root', 'upstream', 1);
    grow('r/root', 'downstream', 1);
    return graph('r/root', nodes, edges);
  }

  it('places every node, inputs left of what reads them, with no two nodes overlapping', async () => {
    const view = viewOf(tree(3, 2));
    const laid = await layoutLineage(view);
    expect(laid).toHaveLength(view.nodes.length);
    const at = new Map(laid.map((p) => [p.id, p]));
    for (const e of view.edges) expect(at.get(e.from)!.x + NODE_WIDTH).toBeLessThan(at.get(e.to)!.x);
    for (const a of laid)
      for (const b of laid)
        if (a !== b)
          expect(
            a.x + NODE_WIDTH <= b.x || b.x + NODE_WIDTH <= a.x || a.y + NODE_HEIGHT <= b.y || b.y + NODE_HEIGHT <= a.y,
            `${a.id} and ${b.id} overlap`,
          ).toBe(true);
  });

  it('gives the same positions for the same graph, and leaves out edges to nodes not shown', async () => {
    const view = viewOf(oneHop);
    const withDangling = { ...view, edges: [...view.edges, reads('x/not-shown', 'sales/orders')] };
    expect(await layoutLineage(withDangling)).toEqual(await layoutLineage(view));
  });
});
