/** The lineage graph as text (an indented tree per side), Graphviz DOT and Mermaid. */
import type { ColumnLineage } from './column-lineage.js';
import type { LineageEdge, LineageGraph, LineageNode } from './lineage-graph-types.js';

export function statusText(node: LineageNode): string {
  const s = node.status;
  if (!s) return node.external ? 'external' : '';
  const run = s.lastRun ? `last run ${s.lastRun.status} ${s.lastRun.at}` : 'never run';
  const checks = s.failingChecks > 0 ? `, ${s.failingChecks} failing check${s.failingChecks === 1 ? '' : 's'}` : '';
  return `${run}, ${s.freshness}${checks}`;
}

function nodeLine(node: LineageNode): string {
  const status = statusText(node);
  return `${node.kind} ${node.label}${status ? `  [${status}]` : ''}`;
}

/** One tree per side of the root: every node under the node it was reached from (once; repeats say so). */
export function renderText(graph: LineageGraph): string[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  const root = byId.get(graph.root);
  if (root) lines.push(nodeLine(root));
  for (const side of ['upstream', 'downstream'] as const) {
    const children = new Map<string, LineageEdge[]>();
    for (const e of graph.edges) {
      const [parent, child] = side === 'downstream' ? [e.from, e.to] : [e.to, e.from];
      if (byId.get(child)?.side !== side) continue;
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent)!.push(e);
    }
    if (!children.has(graph.root)) continue;
    lines.push(`${side}:`);
    const shown = new Set<string>();
    const walk = (parent: string, indent: string) => {
      for (const e of children.get(parent) ?? []) {
        const id = side === 'downstream' ? e.to : e.from;
        const node = byId.get(id);
        if (!node) continue;
        const arrow = side === 'downstream' ? (e.kind === 'grant' ? '→ granted to' : '→') : '←';
        if (shown.has(id)) {
          lines.push(`${indent}${arrow} ${node.label} (shown above)`);
          continue;
        }
        shown.add(id);
        lines.push(`${indent}${arrow} ${nodeLine(node)}`);
        walk(id, `${indent}  `);
      }
    };
    walk(graph.root, '  ');
  }
  for (const cycle of graph.cycles) lines.push(`cycle: ${cycle.join(' → ')} → ${cycle[0]}`);
  if (graph.nextCursor) lines.push(`${graph.total - graph.nodes.length}+ more nodes: --cursor ${graph.nextCursor}`);
  if (graph.truncated) lines.push('the walk stopped at its bound: ask for fewer hops (--depth) to see all of it');
  return lines;
}

const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const SHAPES: Record<string, string> = {
  product: 'box',
  source: 'cylinder',
  dataset: 'cylinder',
  job: 'cds',
  team: 'ellipse',
};

export function renderDot(graph: LineageGraph): string {
  const lines = ['digraph lineage {', '  rankdir=LR;'];
  for (const n of graph.nodes) {
    const status = statusText(n);
    const label = status ? `${n.label}\\n${status}` : n.label;
    const bold = n.id === graph.root ? ', style=bold' : '';
    lines.push(
      `  ${quote(n.id)} [label=${quote(label).replace(/\\\\n/g, '\\n')}, shape=${SHAPES[n.kind] ?? 'box'}${bold}];`,
    );
  }
  for (const e of graph.edges)
    lines.push(`  ${quote(e.from)} -> ${quote(e.to)}${e.kind === 'grant' ? ' [style=dashed, label="grant"]' : ''};`);
  lines.push('}');
  return lines.join('\n');
}

export function renderMermaid(graph: LineageGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const text = (s: string) => s.replace(/"/g, '#quot;');
  const lines = ['flowchart LR'];
  for (const n of graph.nodes) {
    const status = statusText(n);
    const label = text(status ? `${n.label}<br/>${status}` : n.label);
    lines.push(n.kind === 'product' ? `  ${ids.get(n.id)}["${label}"]` : `  ${ids.get(n.id)}(["${label}"])`);
  }
  for (const e of graph.edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (from && to) lines.push(e.kind === 'grant' ? `  ${from} -. grant .-> ${to}` : `  ${from} --> ${to}`);
  }
  return lines.join('\n');
}

/** Per product, each output column and what it derives from. */
export function renderColumns(columns: Record<string, ColumnLineage>): string[] {
  const lines: string[] = [];
  for (const [product, lineage] of Object.entries(columns)) {
    lines.push(`columns of ${product}:`);
    for (const c of lineage.columns) {
      const from = c.inputs.map((i) => `${i.input}.${i.column}`).join(', ');
      lines.push(`  ${c.column} ← ${c.kind}${from ? ` of ${from}` : ''}${c.reason ? ` (${c.reason})` : ''}`);
    }
    if (lineage.dataset.length)
      lines.push(
        `  whole result shaped by: ${lineage.dataset.map((d) => `${d.input}.${d.column} (${d.kind})`).join(', ')}`,
      );
  }
  return lines;
}
