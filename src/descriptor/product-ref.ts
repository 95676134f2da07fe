import { NAME_PATTERN, PRODUCT_REF_PATTERN } from './data-product-schema.js';

export interface ProductRef {
  readonly domain: string;
  readonly name: string;
  /** The major version for `domain/name@major` references (inputs); undefined for `domain/name`. */
  readonly major?: number;
  /** An exact version for `domain/name@1.2.3` (CLI lookups). */
  readonly version?: string;
}

const refRe = new RegExp(PRODUCT_REF_PATTERN);
const namePart = NAME_PATTERN.slice(1, -1).replace(/\((?!\?)/g, '(?:');
const lookupRe = new RegExp(`^(${namePart})/(${namePart})(?:@(\\d+(?:\\.\\d+\\.\\d+(?:[-+][0-9A-Za-z.-]+)?)?))?$`);

/** An input reference: exactly `domain/name@major`. */
export function parseInputProductRef(text: string): ProductRef | undefined {
  if (!refRe.test(text)) return undefined;
  const [path, major] = text.split('@');
  const [domain, name] = path.split('/');
  return { domain, name, major: Number(major) };
}

/** A lookup reference as typed on the command line: `domain/name`, `domain/name@2`, `domain/name@1.2.0`. */
export function parseProductRef(text: string): ProductRef | undefined {
  const match = lookupRe.exec(text);
  if (!match) return undefined;
  const [, domain, name, at] = match;
  if (at === undefined) return { domain, name };
  return at.includes('.') ? { domain, name, version: at } : { domain, name, major: Number(at) };
}

export function productId(domain: string, name: string): string {
  return `${domain}/${name}`;
}
