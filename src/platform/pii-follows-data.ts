/**
 * PII follows the data: a column that carries an input product's column (as is, or
 * transformed) is classified at least as that column is, so masking for ungranted readers
 * follows the values downstream. Read from the transform's column lineage (the engine's parse
 * of the SQL) over the inputs' published schemas; a column whose lineage cannot be followed,
 * or an aggregate (a count of e-mails is not an e-mail), is not judged. Sources other than
 * products carry no classification to follow.
 */
import type { Diagnostic } from '../core/diagnostic.js';
import { PII_CLASSES, type DataProduct } from '../descriptor/data-product-schema.js';
import { parseInputProductRef, productId } from '../descriptor/product-ref.js';
import type { YamlSource } from '../descriptor/yaml-source.js';
import { columnLineage } from '../lineage/column-lineage.js';
import { getVersion } from '../registry/operations/products/read-products.js';
import type { Registry } from '../registry/registry.js';

type PiiClass = (typeof PII_CLASSES)[number];
const rank = (pii: string | undefined) => PII_CLASSES.indexOf((pii ?? 'none') as PiiClass);

/** input name → its product ref and each column's class, for the inputs that are products. */
async function inputClasses(
  registry: Registry,
  product: DataProduct,
): Promise<Map<string, { ref: string; columns: Map<string, PiiClass> }>> {
  const classes = new Map<string, { ref: string; columns: Map<string, PiiClass> }>();
  for (const input of product.spec.inputs) {
    const ref = typeof input.product === 'string' ? parseInputProductRef(input.product) : undefined;
    if (!ref || ref.major === undefined) continue;
    const id = productId(ref.domain, ref.name);
    const version = await getVersion(registry, id, { major: ref.major });
    if (!version) continue; // reported as an unknown input by the input check
    const columns = new Map(version.descriptor.spec.schema.columns.map((c) => [c.name, (c.pii ?? 'none') as PiiClass]));
    classes.set(input.name, { ref: `${id}@${version.version}`, columns });
  }
  return classes;
}

export async function piiFollowsData(
  registry: Registry,
  product: DataProduct,
  transformSql: string | null | undefined,
  source: YamlSource,
): Promise<Diagnostic[]> {
  const inputs = await inputClasses(registry, product);
  if (inputs.size === 0) return [];
  const declared = product.spec.schema.columns;
  const lineage = transformSql
    ? await columnLineage(
        transformSql,
        product.spec.inputs.map((i) => i.name),
        declared.map((c) => c.name),
      )
    : undefined;
  const diagnostics: Diagnostic[] = [];
  for (const [index, column] of declared.entries()) {
    const from = lineage
      ? lineage.columns.find((d) => d.column === column.name)
      : { kind: 'identity' as const, inputs: [{ input: product.spec.inputs[0].name, column: column.name }] };
    if (!from || (from.kind !== 'identity' && from.kind !== 'transformation')) continue;
    const strongest = from.inputs
      .map((i) => ({ ...i, ref: inputs.get(i.input)?.ref, pii: inputs.get(i.input)?.columns.get(i.column) }))
      .filter((i) => i.ref && i.pii)
      .sort((a, b) => rank(b.pii) - rank(a.pii))[0];
    if (!strongest || rank(strongest.pii) <= rank(column.pii)) continue;
    const path = ['spec', 'schema', 'columns', index, column.pii ? 'pii' : 'name'];
    diagnostics.push({
      code: 'pii-follows-data',
      severity: 'error',
      message: `column ${column.name} carries ${strongest.input}.${strongest.column}, classified pii: ${strongest.pii} in ${strongest.ref}, but is classified pii: ${column.pii ?? 'none'}`,
      hint: `classify ${column.name} as pii: ${strongest.pii} (or stronger): readers without a PII grant then get it masked, as they do upstream`,
      location: source.locate(path),
      path: path.join('.'),
    });
  }
  return diagnostics;
}
