/**
 * Who a breaking change breaks, before it is published: the products reading the product's
 * major (their owners and on-call, from the catalog) and the teams holding an active grant on
 * that major (from the access grants). `mesh diff`, `POST /v1/diff` and a refused publication
 * carry it, so CI can say whom to tell.
 */
import { nowIso } from '../core/clock.js';
import type { Registry } from '../registry/registry.js';
import { findConsumers } from '../registry/operations/versions/find-consumers.js';
import { productContacts, teamGrants } from '../registry/operations/lineage/read-lineage.js';

export interface ChangeImpact {
  /** domain/name@major whose readers break. */
  readonly breaks: string;
  readonly consumers: ReadonlyArray<{
    readonly product: string;
    readonly owner: string;
    readonly oncall: string | null;
  }>;
  readonly teams: ReadonlyArray<{ readonly team: string; readonly pii: boolean }>;
}

export async function changeImpact(registry: Registry, product: string, major: number): Promise<ChangeImpact> {
  const consumers = await findConsumers(registry.db, product, major);
  const contacts = await productContacts(registry.db, consumers);
  const grants = (await teamGrants(registry.db, [product], nowIso())).filter(
    (g) => g.major === null || g.major === major,
  );
  const teams = new Map<string, boolean>();
  for (const g of grants) teams.set(g.team, (teams.get(g.team) ?? false) || g.pii);
  return {
    breaks: `${product}@${major}`,
    consumers: consumers.map((c) => ({
      product: c,
      owner: contacts.get(c)?.owner ?? '',
      oncall: contacts.get(c)?.oncall ?? null,
    })),
    teams: [...teams].sort(([a], [b]) => (a < b ? -1 : 1)).map(([team, pii]) => ({ team, pii })),
  };
}

/** Lines for a terminal: who to tell. */
export function impactLines(impact: ChangeImpact): string[] {
  if (impact.consumers.length === 0 && impact.teams.length === 0) return [`breaks no known reader of ${impact.breaks}`];
  return [
    `breaks the readers of ${impact.breaks}:`,
    ...impact.consumers.map(
      (c) => `  product ${c.product}  owner ${c.owner}${c.oncall ? `  on-call ${c.oncall}` : ''}`,
    ),
    ...impact.teams.map((t) => `  team ${t.team} (grant${t.pii ? ', PII' : ''})`),
  ];
}
