/**
 * Writes an imported product as a folder: product.yaml, its transform SQL and, when the
 * standard carried rules Meshwork cannot run, a README.md that keeps them as documentation.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toYaml } from './yaml-text.js';
import { InputError } from '../core/errors.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';

export interface ProductFolder {
  readonly product: DataProduct;
  readonly transform?: { readonly file?: string; readonly sql: string };
  readonly documentation?: readonly string[];
  /** Where the product came from, for the README and the descriptor's header comment. */
  readonly origin: string;
}

/** Writes the folder; refuses to overwrite an existing product.yaml unless `force`. Returns the files written. */
export function writeProductFolder(dir: string, folder: ProductFolder, options: { force?: boolean } = {}): string[] {
  const descriptor = join(dir, 'product.yaml');
  if (existsSync(descriptor) && !options.force)
    throw new InputError(`${descriptor} already exists; choose another --dir or pass --force to replace it`);
  mkdirSync(dir, { recursive: true });
  const header = `# yaml-language-server: $schema=https://meshwork.dev/schemas/data-product.v1.json\n# Imported from ${folder.origin}.\n`;
  writeFileSync(descriptor, header + toYaml(folder.product));
  const written = [descriptor];
  if (folder.transform?.file) {
    const file = join(dir, folder.transform.file);
    writeFileSync(file, folder.transform.sql);
    written.push(file);
  }
  if (folder.documentation?.length) {
    const readme = join(dir, 'README.md');
    const { metadata: m } = folder.product;
    const text = [
      `# ${m.domain}/${m.name}`,
      '',
      `Imported from ${folder.origin}.`,
      '',
      '## Quality rules kept as documentation',
      '',
      'These rules of the contract cannot run in Meshwork (text or vendor-specific rules); they are kept here so nothing is lost.',
      '',
      ...folder.documentation,
      '',
    ].join('\n');
    writeFileSync(readme, text);
    written.push(readme);
  }
  return written;
}
