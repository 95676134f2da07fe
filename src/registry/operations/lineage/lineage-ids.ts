/**
 * Ids of lineage nodes. A product is `product:<domain/name>`; a dataset from OpenLineage is
 * `dataset:<namespace>/<name>`, except the datasets Meshwork itself names (namespace
 * `meshwork`, name `domain/name`), which are the products, so other tools' events join them.
 */
export const MESHWORK_DATASET_NAMESPACE = 'meshwork';

export const productNodeId = (product: string): string => `product:${product}`;
export const sourceNodeId = (product: string, input: string): string => `source:${product}/${input}`;
export const jobNodeId = (namespace: string, name: string): string => `job:${namespace}/${name}`;
export const teamNodeId = (team: string): string => `team:${team}`;

/** A dataset's id is its OpenLineage URI (`postgres://host:port/db.schema.table`, `file:///path`). */
export function datasetNodeId(namespace: string, name: string): string {
  if (namespace === MESHWORK_DATASET_NAMESPACE) return productNodeId(name.split('@')[0]);
  return `dataset:${namespace}${name.startsWith('/') ? '' : '/'}${name}`;
}

/** The product a node id stands for, if it is one. */
export function productOfNode(id: string): string | undefined {
  return id.startsWith('product:') ? id.slice('product:'.length) : undefined;
}
