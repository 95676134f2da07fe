/**
 * An input `product: domain/name@major` must name a published product and one of its
 * published majors: otherwise `mesh validate` and `mesh publish` report it at the input's
 * line, with a did-you-mean over the published products (same domain, or same name in another
 * domain) or the majors there are. Needs the registry; without one only the structure is checked.
 * An input the consuming domain holds no grant for is a warning that says how to ask for it
 * (publishing first and asking next is fine; the run asks the decision again and refuses).
 */
import type { Diagnostic } from '../core/diagnostic.js';
import { didYouMean } from '../core/did-you-mean.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import { parseInputProductRef, productId } from '../descriptor/product-ref.js';
import type { YamlSource } from '../descriptor/yaml-source.js';
import { getProduct, listProducts, listVersions } from '../registry/operations/products/read-products.js';
import type { Registry } from '../registry/registry.js';
import { authorizeReader } from '../access/authorize-read.js';
import { productReader } from '../access/input-gate.js';

export async function checkInputProducts(
  registry: Registry,
  product: DataProduct,
  source: YamlSource,
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const [index, input] of product.spec.inputs.entries()) {
    const ref = typeof input.product === 'string' ? parseInputProductRef(input.product) : undefined;
    if (!ref || ref.major === undefined) continue;
    const path = ['spec', 'inputs', index, 'product'];
    const found = await checkOne(registry, { domain: ref.domain, name: ref.name, major: ref.major }, input.name);
    if (found) diagnostics.push({ ...found, severity: 'error', location: source.locate(path), path: path.join('.') });
    const ungranted = found
      ? undefined
      : await checkGrant(registry, product, `${productId(ref.domain, ref.name)}@${ref.major}`, input.name);
    if (ungranted)
      diagnostics.push({ ...ungranted, severity: 'warn', location: source.locate(path), path: path.join('.') });
  }
  return diagnostics;
}

/** The run's decision, asked now for the consuming product's domain. */
async function checkGrant(
  registry: Registry,
  product: DataProduct,
  ref: string,
  input: string,
): Promise<Finding | undefined> {
  const domain = product.metadata.domain;
  const reader = await productReader(registry, { product: productId(domain, product.metadata.name), domain, major: 0 });
  const { decision } = await authorizeReader(registry, reader, ref);
  if (decision.allowed) return undefined;
  const why = decision.reason.slice(decision.reason.lastIndexOf(': ') + 2);
  return {
    code: 'input-not-granted',
    message: `input "${input}" reads ${ref}, which domain ${domain} may not read (${why}): its runs will fail until a grant is given`,
    hint: `ask for ${decision.missing}: ${decision.requestCommand}`,
  };
}

type Finding = Pick<Diagnostic, 'code' | 'message' | 'hint'>;

async function checkOne(
  registry: Registry,
  ref: { domain: string; name: string; major: number },
  input: string,
): Promise<Finding | undefined> {
  const id = productId(ref.domain, ref.name);
  if (!(await getProduct(registry, id))) {
    const guess = await closestProduct(registry, id, ref.domain);
    return {
      code: 'unknown-input-product',
      message: `input "${input}" reads ${id}@${ref.major}, but no product ${id} is published`,
      hint: guess ? `did you mean ${guess}@${ref.major}?` : 'publish it first, or check `mesh catalog search`',
    };
  }
  const majors = [...new Set((await listVersions(registry, id)).map((v) => v.major))].sort((a, b) => a - b);
  if (majors.includes(ref.major)) return undefined;
  return {
    code: 'unknown-input-major',
    message: `input "${input}" reads ${id}@${ref.major}, but ${id} has no major ${ref.major}`,
    hint: `published majors: ${majors.map((m) => `${id}@${m}`).join(', ')}`,
  };
}

/** The published product a typo most likely meant: one of the same domain, else any (the first 5,000). */
async function closestProduct(registry: Registry, id: string, domain: string): Promise<string | undefined> {
  const sameDomain = await listProducts(registry, { domain, limit: 5_000 });
  const guess = didYouMean(
    id,
    sameDomain.map((p) => p.id),
  );
  if (guess) return guess;
  return didYouMean(
    id,
    (await listProducts(registry, { limit: 5_000 })).map((p) => p.id),
  );
}
