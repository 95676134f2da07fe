/**
 * The lineage graph (`#/lineage/<domain>/<name>`): one hop around a product by default, laid out
 * by elkjs and drawn by React Flow; a node's "+" fetches its next hop; product nodes link to
 * their pages; failing and stale products are marked; a column of the selected product shows
 * the nodes it comes from. Loaded as a lazy chunk, so the first page does not carry elkjs.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Controls, Handle, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './lineage.css';
import { api } from './api';
import {
  columnSources,
  layoutLineage,
  mergeHop,
  nodeHealth,
  productHref,
  viewOf,
  type LineageGraph,
  type LineageNode,
  type LineageRequest,
  type LineageView,
  type PositionedNode,
} from './lineage-layout';

interface NodeData extends Record<string, unknown> {
  readonly node: LineageNode;
  readonly expandable: boolean;
  readonly highlighted: boolean;
  readonly onExpand: (node: LineageNode) => void;
}

type FlowNode = Node<NodeData, 'lineage'>;

/** Nodes per page of a walk (the API's largest page). */
export const LINEAGE_PAGE = 1000;

function lineageUrl(walk: LineageRequest, pageSize: number, cursor?: string): string {
  const params = new URLSearchParams({
    product: walk.product,
    direction: walk.direction,
    depth: String(walk.depth),
    columns: 'true',
    limit: String(pageSize),
    ...(cursor ? { cursor } : {}),
  });
  return `/v1/lineage?${params.toString()}`;
}

function LineageNodeCard({ data }: NodeProps<FlowNode>) {
  const { node, expandable, highlighted, onExpand } = data;
  const health = nodeHealth(node);
  const href = productHref(node);
  return (
    <div
      className={`lineage-node kind-${node.kind} health-${health}${highlighted ? ' column-source' : ''}`}
      data-node-id={node.id}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <span className="node-kind">{node.kind}</span>
      {href ? (
        <a href={href} className="node-label nodrag">
          {node.label}
        </a>
      ) : (
        <span className="node-label">{node.label}</span>
      )}
      <span className="node-badges">
        {health !== 'ok' && (
          <span className={`badge ${health}`} title={healthTitle(node)}>
            {health}
          </span>
        )}
        {node.external && <span className="badge">external</span>}
      </span>
      {expandable && (
        <button
          type="button"
          className="expand nodrag"
          aria-label={`Show the next hop of ${node.label}`}
          title="Show the next hop"
          onClick={(e) => {
            e.stopPropagation();
            onExpand(node);
          }}
        >
          +
        </button>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

function healthTitle(node: LineageNode): string {
  const s = node.status;
  if (!s) return '';
  const checks = s.failingChecks > 0 ? `${s.failingChecks} check(s) failed in the last run` : '';
  if (s.lastRun?.status === 'failed') return `the last run failed at ${s.lastRun.at}${checks ? `: ${checks}` : ''}`;
  if (checks) return checks;
  return `older than its freshness target (last good run ${s.lastGoodAt ?? 'never'})`;
}

const NODE_TYPES = { lineage: LineageNodeCard };

/** The root's walk, then each expansion and each next page merged in; the layout follows every change. */
function useLineage(product: string, depth: number, pageSize: number) {
  const [view, setView] = useState<LineageView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [expandError, setExpandError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  useEffect(() => {
    let stale = false;
    setView(null);
    setError(null);
    setExpanded(new Set([`product:${product}`]));
    const walk = { product, direction: 'both', depth };
    api<LineageGraph>(lineageUrl(walk, pageSize))
      .then((g) => !stale && setView(viewOf(g, walk)))
      .catch((e: Error) => !stale && setError(e.message));
    return () => {
      stale = true;
    };
  }, [product, depth, pageSize]);
  const expand = useCallback(
    (node: LineageNode) => {
      if (!node.product) return;
      setExpanded((s) => new Set([...s, node.id]));
      setExpandError(null);
      const walk = { product: node.product, direction: node.side === 'root' ? 'both' : node.side, depth: 1 };
      api<LineageGraph>(lineageUrl(walk, pageSize))
        .then((hop) => setView((v) => (v ? mergeHop(v, hop, walk) : v)))
        .catch((e: Error) => setExpandError(`The next hop of ${node.label} could not be loaded: ${e.message}`));
    },
    [pageSize],
  );
  const more = useCallback(() => {
    const next = view?.pending[0];
    if (!next) return;
    setLoadingMore(true);
    setExpandError(null);
    api<LineageGraph>(lineageUrl(next, pageSize, next.cursor))
      .then((page) => setView((v) => (v ? mergeHop(v, page, next) : v)))
      .catch((e: Error) => setExpandError(`The next nodes could not be loaded: ${e.message}`))
      .finally(() => setLoadingMore(false));
  }, [view, pageSize]);
  return { view, error, expanded, expand, expandError, more, loadingMore };
}

function useLayout(view: LineageView | null) {
  const [layout, setLayout] = useState<{ positions: PositionedNode[]; ms: number } | null>(null);
  useEffect(() => {
    if (!view) return;
    let stale = false;
    const started = performance.now();
    void layoutLineage(view).then((positions) => {
      if (!stale) setLayout({ positions, ms: performance.now() - started });
    });
    return () => {
      stale = true;
    };
  }, [view]);
  return layout;
}

export function LineagePage(props: { domain: string; name: string; depth?: number; pageSize?: number }) {
  const { domain, name, depth = 1, pageSize = LINEAGE_PAGE } = props;
  const product = `${domain}/${name}`;
  const { view, error, expanded, expand, expandError, more, loadingMore } = useLineage(product, depth, pageSize);
  const layout = useLayout(view);
  const [selected, setSelected] = useState(product);
  const [column, setColumn] = useState<string | null>(null);
  useEffect(() => {
    setSelected(product);
    setColumn(null);
  }, [product]);
  const sources = useMemo(
    () => (view && column ? columnSources(view, selected, column) : []),
    [view, selected, column],
  );
  if (error)
    return (
      <p role="alert" className="error">
        The lineage of {product} could not be loaded: {error}
      </p>
    );
  if (!view || !layout)
    return (
      <p className="status" role="status">
        Loading the lineage of {product}…
      </p>
    );
  const highlighted = new Set(sources.map((s) => s.nodeId).filter(Boolean));
  return (
    <article className="lineage" aria-labelledby="lineage-title">
      <h1 id="lineage-title">
        Lineage of <a href={`#/p/${encodeURIComponent(domain)}/${encodeURIComponent(name)}`}>{product}</a>
      </h1>
      <LineageSummary view={view} />
      {view.pending.length > 0 && (
        <p>
          <button type="button" onClick={more} disabled={loadingMore}>
            {loadingMore
              ? 'Loading…'
              : `Show ${Math.min(pageSize, view.pending[0].remaining)} more of ${view.pending[0].product}'s ${view.pending[0].direction === 'both' ? '' : `${view.pending[0].direction} `}neighbourhood`}
          </button>
        </p>
      )}
      {expandError && (
        <p role="alert" className="error">
          {expandError}
        </p>
      )}
      <div className="lineage-body">
        <LineageCanvas
          view={view}
          layout={layout}
          expanded={expanded}
          highlighted={highlighted}
          onExpand={expand}
          onSelect={(id) => {
            setSelected(id);
            setColumn(null);
          }}
        />
        <ColumnPanel view={view} product={selected} column={column} onColumn={setColumn} sources={sources} />
      </div>
    </article>
  );
}

function LineageSummary({ view }: { view: LineageView }) {
  const failing = view.nodes.filter((n) => nodeHealth(n) === 'failing').length;
  const stale = view.nodes.filter((n) => nodeHealth(n) === 'stale').length;
  if (view.nodes.length <= 1)
    return (
      <p className="status" role="status">
        No inputs or consumers recorded for this product yet: its lineage appears when it is published with inputs, read
        by another product, or named in an OpenLineage event.
      </p>
    );
  return (
    <p className="status" role="status">
      {view.nodes.length} nodes, {view.edges.length} edges
      {failing > 0 ? ` · ${failing} failing` : ''}
      {stale > 0 ? ` · ${stale} stale` : ''}
      {view.notShown > 0 ? ` · ${view.notShown} more on further pages` : ''}. Data flows left to right; + shows a
      node&apos;s next hop.
    </p>
  );
}

function LineageCanvas(props: {
  view: LineageView;
  layout: { positions: PositionedNode[]; ms: number };
  expanded: ReadonlySet<string>;
  highlighted: ReadonlySet<string | null>;
  onExpand: (node: LineageNode) => void;
  onSelect: (productId: string) => void;
}) {
  const { view, layout, expanded, highlighted, onExpand, onSelect } = props;
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  const nodes: FlowNode[] = layout.positions.flatMap((p) => {
    const node = byId.get(p.id);
    if (!node) return [];
    const expandable = node.kind === 'product' && !node.external && !expanded.has(node.id);
    return [
      {
        id: p.id,
        type: 'lineage' as const,
        position: { x: p.x, y: p.y },
        width: p.width,
        height: p.height,
        data: { node, expandable, highlighted: highlighted.has(node.id), onExpand },
      },
    ];
  });
  const edges: Edge[] = view.edges.map((e) => ({
    id: `${e.from}→${e.to}`,
    source: e.from,
    target: e.to,
    className: e.kind === 'grant' ? 'edge-grant' : undefined,
  }));
  return (
    <div
      className="lineage-canvas"
      aria-label="lineage graph"
      role="region"
      data-layout-ms={layout.ms.toFixed(1)}
      data-nodes={nodes.length}
    >
      <ReactFlow
        // A new layout is fitted to the view again (the graph grew on an expansion).
        key={layout.positions.length}
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        fitView
        minZoom={0.05}
        nodesConnectable={false}
        nodesDraggable={false}
        onNodeClick={(_, n) => n.data.node.product && !n.data.node.external && onSelect(n.data.node.product)}
        proOptions={{ hideAttribution: true }}
      >
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

function ColumnPanel(props: {
  view: LineageView;
  product: string;
  column: string | null;
  onColumn: (column: string | null) => void;
  sources: ReturnType<typeof columnSources>;
}) {
  const { view, product, column, onColumn, sources } = props;
  const lineage = view.columns[product];
  return (
    <aside className="column-panel" aria-label="columns">
      <h2>Columns of {product}</h2>
      {!lineage ? (
        <p className="hint">No column lineage: the product has no transform SQL to read it from.</p>
      ) : (
        <ul className="columns">
          {lineage.columns.map((c) => (
            <li key={c.column}>
              <button type="button" aria-pressed={column === c.column} onClick={() => onColumn(c.column)}>
                {c.column}
              </button>
              {column === c.column && <ColumnDetail kind={c.kind} reason={c.reason} sources={sources} />}
            </li>
          ))}
        </ul>
      )}
      <p className="hint">Click a product node to see its columns.</p>
    </aside>
  );
}

function ColumnDetail({
  kind,
  reason,
  sources,
}: {
  kind: string;
  reason?: string;
  sources: ReturnType<typeof columnSources>;
}) {
  return (
    <div className="column-detail" role="status">
      <span className="badge">{kind}</span>
      {reason && <span> {reason}</span>}
      {sources.length === 0 && kind !== 'unknown' && <span> from no input column (a constant)</span>}
      <ul>
        {sources.map((s) => (
          <li key={`${s.input}.${s.column}`}>
            ← {s.label}.{s.column} <span className="hint">(input {s.input})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** `#/lineage` alone: which product? */
export function LineageChooser() {
  const [ref, setRef] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec(ref.trim());
    if (!m) return setError('Write the product as domain/name, e.g. sales/orders-daily.');
    window.location.hash = `#/lineage/${encodeURIComponent(m[1])}/${encodeURIComponent(m[2])}`;
  };
  return (
    <form onSubmit={submit} aria-label="choose a product" className="lineage-chooser">
      <h1>Lineage</h1>
      <label htmlFor="lineage-product">Product (domain/name)</label>
      <input id="lineage-product" value={ref} onChange={(e) => setRef(e.target.value)} required />
      <button type="submit">Show its lineage</button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p className="hint">Or open a product from the search and follow its &quot;Lineage graph&quot; link.</p>
    </form>
  );
}
