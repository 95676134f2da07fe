/**
 * The lineage graph as MeshApi returns it (plain JSON, the same in-process and over HTTP).
 * Types only, importing nothing: the web catalog reads them as they are.
 */

/** How each output column of a product comes from its inputs' columns (column-lineage.ts). */
export type DerivationKind = 'identity' | 'transformation' | 'aggregation' | 'unknown';
export type DatasetKind = 'filter' | 'join' | 'group_by' | 'window';

export interface InputColumn {
  readonly input: string;
  readonly column: string;
}

export interface ColumnDerivation {
  readonly column: string;
  readonly kind: DerivationKind;
  readonly inputs: InputColumn[];
  readonly reason?: string;
}

export interface ColumnLineage {
  readonly columns: ColumnDerivation[];
  readonly dataset: Array<InputColumn & { readonly kind: DatasetKind }>;
}

export type LineageDirection = 'upstream' | 'downstream' | 'both';
export type LineageNodeKind = 'product' | 'source' | 'dataset' | 'job' | 'team';

export interface LineageOptions {
  /** Default both. */
  readonly direction?: LineageDirection;
  /** Hops from the product, 1–10 (default 3). */
  readonly depth?: number;
  /** Column lineage of each product on the page, read from its transform SQL. */
  readonly columns?: boolean;
  /** Nodes per page, 1–1000 (default 200). */
  readonly limit?: number;
  /** From a previous page's nextCursor. */
  readonly cursor?: string;
}

export interface LineageNodeStatus {
  readonly lastRun: { readonly id: string; readonly status: string; readonly at: string } | null;
  /** Against the product's freshness target: the last good run's age. */
  readonly freshness: 'fresh' | 'late' | 'never-run' | 'no-target';
  readonly lastGoodAt: string | null;
  /** Checks that failed in the last run. */
  readonly failingChecks: number;
}

export interface LineageNode {
  readonly id: string;
  readonly kind: LineageNodeKind;
  readonly label: string;
  /** Hops from the product (0 for the product itself). */
  readonly depth: number;
  readonly side: 'root' | 'upstream' | 'downstream';
  /** Named only by other tools' OpenLineage events (or a product that is not in the catalog). */
  readonly external: boolean;
  readonly product?: string;
  readonly version?: string;
  readonly owner?: string;
  readonly oncall?: string | null;
  readonly namespace?: string;
  readonly name?: string;
  readonly status?: LineageNodeStatus;
}

export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  /** reads: data flows from → to; grant: the team holds a grant on the product. */
  readonly kind: 'reads' | 'grant';
  /** publish (declared), run (resolved by a run), event (an OpenLineage event), grant. */
  readonly origin: string;
  readonly input?: string;
}

export interface LineageGraph {
  readonly root: string;
  readonly direction: LineageDirection;
  readonly depth: number;
  /** This page of nodes, nearest first (the root on the first page). */
  readonly nodes: LineageNode[];
  /** The edges that reach this page's nodes. */
  readonly edges: LineageEdge[];
  /** Cycles between nodes of the walk, each as the node ids on it: reported, never walked twice. */
  readonly cycles: string[][];
  /** Nodes in the whole walk (every page). */
  readonly total: number;
  readonly nextCursor: string | null;
  /** The walk stopped at its bound (MAX_WALK_EDGES edges): a smaller depth shows all. */
  readonly truncated: boolean;
  /** With `columns`: per product on the page, its column lineage. */
  readonly columns?: Record<string, ColumnLineage>;
}
