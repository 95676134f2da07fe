import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkBundle, type DescriptorBundle } from '../../src/platform/descriptor-bundle.js';
import { initProduct } from '../../src/platform/init-product.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';

let templateYaml: string | undefined;
let templateSql: string | undefined;

/** A valid descriptor bundle (from the `file` template) with the given name, domain, version and edits. */
export function productBundle(options: {
  name: string;
  domain?: string;
  version?: string;
  description?: string;
  tags?: string[];
  edit?: (p: DataProduct) => void;
}): DescriptorBundle {
  if (!templateYaml) {
    const { dir } = initProduct({
      name: 'template-product',
      domain: 'sales',
      owner: 'sales-data@company.com',
      template: 'file',
      cwd: mkdtempSync(join(tmpdir(), 'mesh-tpl-')),
    });
    templateYaml = readFileSync(join(dir, 'product.yaml'), 'utf8');
    templateSql = readFileSync(join(dir, 'transform.sql'), 'utf8');
  }
  const product = parse(templateYaml) as DataProduct;
  product.metadata.name = options.name;
  product.metadata.domain = options.domain ?? 'sales';
  product.metadata.version = options.version ?? '1.0.0';
  if (options.description) product.metadata.description = options.description;
  if (options.tags) product.metadata.tags = options.tags;
  options.edit?.(product);
  const yaml = JSON.stringify(product, null, 2);
  const bundle = { file: `${product.metadata.domain}/${options.name}/product.yaml`, yaml, transformSql: templateSql };
  const checked = checkBundle(bundle);
  if (!checked.product) throw new Error(`test product is invalid: ${JSON.stringify(checked.diagnostics)}`);
  return bundle;
}
