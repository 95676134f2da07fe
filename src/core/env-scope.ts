/**
 * Which environment variables a descriptor may resolve. A product's `${VAR}` references are
 * resolved in the environment of the process that runs it; on a server that environment also
 * holds the platform's own secrets and every other domain's. So:
 *
 * - `MESH_*` (the platform's variables) never resolve, anywhere, whatever is configured.
 * - `MESH_ENV_GRANTS` entitles domains to variables: `domain=PATTERN,PATTERN;…`, where a
 *   pattern is a name or a prefix ending in `*` and the domain `*` means every domain, e.g.
 *   `sales=SALES_*,CHINOOK_DB_URI;*=CHINOOK_DATA`. A domain resolves only what it is granted.
 * - A server (`mesh serve`, `mesh worker`) always applies the grants: with none configured,
 *   no reference resolves. On the user's own machine (local mode) without grants, every
 *   non-`MESH_*` variable of their own environment resolves.
 */
import { MeshError } from './errors.js';

export interface EnvGrant {
  readonly domain: string;
  readonly pattern: string;
}

export interface EnvScope {
  /** `server`: grants always apply (none configured: nothing resolves). */
  readonly mode: 'local' | 'server';
  /** Undefined: none configured. */
  readonly grants?: readonly EnvGrant[];
}

export const LOCAL_SCOPE: EnvScope = { mode: 'local' };

/** Parses `domain=A,B*;other=C` (also the format of MESH_DATA_ROOTS). Empty parts are ignored. */
export function parseDomainList(text: string | undefined): Array<{ domain: string; value: string }> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const out: Array<{ domain: string; value: string }> = [];
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const domain = part.slice(0, eq).trim();
    for (const value of part.slice(eq + 1).split(','))
      if (domain && value.trim()) out.push({ domain, value: value.trim() });
  }
  return out;
}

export type Entitlement =
  { readonly ok: true } | { readonly ok: false; readonly message: string; readonly hint: string };

/** May a product of `domain` resolve `${name}`? */
export function entitlement(scope: EnvScope, domain: string, name: string): Entitlement {
  if (name.startsWith('MESH_'))
    return {
      ok: false,
      message: `\${${name}} is a platform variable; descriptors may never read MESH_* variables`,
      hint: `put what the product needs in a variable of its own, e.g. ${domainPrefix(domain)}${name.slice(5)}, and have it granted to ${domain}`,
    };
  if (scope.mode === 'local' && scope.grants === undefined) return { ok: true };
  const granted = (scope.grants ?? []).some(
    (g) => (g.domain === '*' || g.domain === domain) && matches(g.pattern, name),
  );
  if (granted) return { ok: true };
  return {
    ok: false,
    message: `\${${name}} is not granted to domain ${domain}`,
    hint: `the platform's operator entitles it in MESH_ENV_GRANTS, e.g. MESH_ENV_GRANTS="${domain}=${name}" (or ${domain}=${domainPrefix(domain)}*)`,
  };
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith('MESH_')) return false;
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** The conventional prefix of a domain's variables: `sales-eu` → `SALES_EU_`. */
export function domainPrefix(domain: string): string {
  return `${domain.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

/** A reference the run refused to resolve (a user mistake in the descriptor: exit 1, HTTP 400). */
export class EnvRefusedError extends MeshError {
  constructor(message: string, hint: string) {
    super('input', message, { details: { hint } });
  }
}
