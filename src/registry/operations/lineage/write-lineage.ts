import { nowIso } from '../../../core/clock.js';
import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import { parseInputProductRef, productId } from '../../../descriptor/product-ref.js';
import type { RegistryDialect, RegistryTx } from '../../registry-handle.js';
import { productNodeId, sourceNodeId } from './lineage-ids.js';

export interface NewLineageNode {
  readonly id: string;
  readonly kind: 'product' | 'source' | 'dataset' | 'job';
  readonly label: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly external?: boolean;
}

export interface NewLineageEdge {
  readonly from: string;
  readonly to: string;
  readonly inputName?: string;
}

const CHUNK = 500;

/** A node's row, without its time. */
export function nodeRow(n: NewLineageNode) {
  return {
    id: n.id,
    kind: n.kind,
    label: n.label,
    namespace: n.namespace ?? null,
    name: n.name ?? null,
    external: n.external ? 1 : 0,
  };
}

/** Inserts nodes that do not exist yet; existing ones keep their status (and, for products, their label). */
export async function ensureNodes(tx: RegistryTx, nodes: readonly NewLineageNode[]): Promise<void> {
  const now = nowIso();
  const unique = [...new Map(nodes.map((n) => [n.id, n])).values()];
  for (let i = 0; i < unique.length; i += CHUNK) {
    await tx
      .insertInto('lineage_nodes')
      .values(unique.slice(i, i + CHUNK).map((n) => ({ ...nodeRow(n), updated_at: now })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

export function insertEdges(
  tx: RegistryTx,
  owner: string,
  origin: 'publish' | 'run' | 'event',
  edges: readonly NewLineageEdge[],
): Promise<void> {
  return insertOwnedEdges(
    tx,
    origin,
    edges.map((e) => ({ ...e, owner })),
  );
}

/** Edges of several owners in batched inserts. */
export async function insertOwnedEdges(
  tx: RegistryTx,
  origin: 'publish' | 'run' | 'event',
  edges: ReadonlyArray<NewLineageEdge & { readonly owner: string }>,
): Promise<void> {
  const now = nowIso();
  const unique = [
    ...new Map(edges.map((e) => [`${e.owner}\u0000${e.from}\u0000${e.to}\u0000${e.inputName ?? ''}`, e])).values(),
  ];
  for (let i = 0; i < unique.length; i += CHUNK) {
    await tx
      .insertInto('lineage_edges')
      .values(
        unique.slice(i, i + CHUNK).map((e) => ({
          from_id: e.from,
          to_id: e.to,
          owner: e.owner,
          origin,
          input_name: e.inputName ?? '',
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['owner', 'origin', 'input_name', 'from_id', 'to_id']).doNothing())
      .execute();
  }
}

/** What a descriptor declares: the product, the products it reads and its sources (as written, unresolved). */
export function declaredLineage(descriptor: DataProduct): { nodes: NewLineageNode[]; edges: NewLineageEdge[] } {
  const id = productId(descriptor.metadata.domain, descriptor.metadata.name);
  const me = productNodeId(id);
  const nodes: NewLineageNode[] = [];
  const edges: NewLineageEdge[] = [];
  for (const input of descriptor.spec.inputs) {
    const upstream = input.product ? parseInputProductRef(input.product) : undefined;
    if (upstream) {
      const up = productId(upstream.domain, upstream.name);
      nodes.push({ id: productNodeId(up), kind: 'product', label: up });
      edges.push({ from: productNodeId(up), to: me, inputName: input.name });
    } else if (input.source) {
      const s = input.source;
      const where = s.type === 'file' ? (s.path ?? input.name) : (s.connection ?? input.name);
      nodes.push({ id: sourceNodeId(id, input.name), kind: 'source', label: `${s.type} ${where} (${input.name})` });
      edges.push({ from: sourceNodeId(id, input.name), to: me, inputName: input.name });
    }
  }
  return { nodes, edges };
}

/**
 * Rewrites a product's declared lineage (inside the publishing transaction): its node, the
 * edges from the products and sources it reads. A source input a run has already resolved
 * keeps the resolved datasets instead; run edges of inputs the descriptor no longer has go.
 */
export async function writeProductLineage(tx: RegistryTx, descriptor: DataProduct): Promise<void> {
  const id = productId(descriptor.metadata.domain, descriptor.metadata.name);
  const now = nowIso();
  await tx
    .insertInto('lineage_nodes')
    .values({
      id: productNodeId(id),
      kind: 'product',
      label: id,
      external: 0,
      freshness_target: descriptor.spec.freshness?.target ?? null,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        kind: 'product',
        label: id,
        external: 0,
        freshness_target: descriptor.spec.freshness?.target ?? null,
        updated_at: now,
      }),
    )
    .execute();
  await tx.deleteFrom('lineage_edges').where('owner', '=', id).where('origin', '=', 'publish').execute();
  const inputNames = descriptor.spec.inputs.map((i) => i.name);
  await tx
    .deleteFrom('lineage_edges')
    .where('owner', '=', id)
    .where('origin', '=', 'run')
    .where('input_name', 'not in', inputNames)
    .execute();
  const resolved = new Set(
    (
      await tx
        .selectFrom('lineage_edges')
        .select('input_name')
        .where('owner', '=', id)
        .where('origin', '=', 'run')
        .execute()
    ).map((r) => r.input_name),
  );
  const declared = declaredLineage(descriptor);
  const sourceInputs = new Set(descriptor.spec.inputs.filter((i) => !i.product).map((i) => i.name));
  const edges = declared.edges.filter((e) => !(sourceInputs.has(e.inputName ?? '') && resolved.has(e.inputName ?? '')));
  await ensureNodes(tx, declared.nodes);
  await insertEdges(tx, id, 'publish', edges);
}

/** The declared lineage of every product's latest version (the migration; `mesh admin reindex` could call it). */
export async function rebuildLineage(tx: RegistryTx, _dialect: RegistryDialect): Promise<void> {
  const rows = await tx
    .selectFrom('products')
    .innerJoin('product_versions', (j) =>
      j
        .onRef('product_versions.product_id', '=', 'products.id')
        .onRef('product_versions.version', '=', 'products.latest_version'),
    )
    .select(['product_versions.descriptor'])
    .execute();
  for (const row of rows) await writeProductLineage(tx, JSON.parse(row.descriptor) as DataProduct);
}
