/**
 * Domain pages: every domain with its owner team, core flag and products (#/domains, GET
 * /v1/domains), and one domain's teams, members and scorecard (#/domains/<name>: GET
 * /v1/domains/:name and /v1/health/domains/:domain, the same scorecard as `mesh health`).
 */
import { ScrollRegion } from './scroll-region';
import { useEffect, useState } from 'react';
import { api } from './api';

interface DomainRecord {
  readonly name: string;
  readonly ownerTeam: string | null;
  readonly core: boolean;
  readonly description: string | null;
  readonly teams: string[];
  readonly members: string[];
  readonly products: number;
}

interface ProductCard {
  readonly product: string;
  readonly owner: string;
  readonly oncall: string | null;
  readonly state: string;
  readonly slaMet: boolean | null;
  readonly stale: string | null;
  readonly failingChecks: number;
  readonly consumersOutside: string[];
}

interface Scorecard {
  readonly figures: {
    readonly products: number;
    readonly activeProducts: number;
    readonly staleProducts: number;
    readonly failingProducts: number;
    readonly slaCompliance: { readonly judged: number; readonly met: number; readonly share: number | null };
    readonly nps: { readonly nps: number | null; readonly ratings: number };
  };
  readonly products: ProductCard[];
}

/** A GET's result, or the error that says why there is none. */
export function useGet<T>(path: string): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setData(null);
    setError(null);
    api<T>(path)
      .then(setData)
      .catch((e: Error) => setError(e.message));
  }, [path]);
  return { data, error };
}

export function Loading({ error }: { error: string | null }) {
  return error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : (
    <p className="status">Loading…</p>
  );
}

const percent = (x: number | null) => (x === null ? '–' : `${Math.round(x * 1000) / 10}%`);
const productLink = (id: string) => `#/p/${id}`;

export function DomainsPage() {
  const { data, error } = useGet<DomainRecord[]>('/v1/domains');
  if (!data) return <Loading error={error} />;
  return (
    <section aria-labelledby="domains-title">
      <h1 id="domains-title">Domains</h1>
      {data.length === 0 ? (
        <p role="status">No domain yet: a domain appears with its first team or product.</p>
      ) : (
        <ScrollRegion label="domains (scrolls)">
          <table aria-label="domains">
            <thead>
              <tr>
                <th>domain</th>
                <th>owner team</th>
                <th>core</th>
                <th>products</th>
                <th>teams</th>
              </tr>
            </thead>
            <tbody>
              {data.map((d) => (
                <tr key={d.name}>
                  <td>
                    <a href={`#/domains/${encodeURIComponent(d.name)}`}>{d.name}</a>
                  </td>
                  <td>{d.ownerTeam ?? '–'}</td>
                  <td>{d.core ? 'core' : '–'}</td>
                  <td>{d.products}</td>
                  <td>{d.teams.join(', ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}

function ScorecardTable({ card }: { card: Scorecard }) {
  const f = card.figures;
  return (
    <>
      <h2>Scorecard</h2>
      <ul aria-label="domain figures">
        <li>
          {f.products} products: {f.activeProducts} active, {f.staleProducts} stale, {f.failingProducts} failing
        </li>
        <li>
          SLA met by {f.slaCompliance.met} of {f.slaCompliance.judged} ({percent(f.slaCompliance.share)}) over 30 days
        </li>
        <li>
          NPS {f.nps.nps ?? '–'} from {f.nps.ratings} rating(s)
        </li>
      </ul>
      <h2>Products</h2>
      <ScrollRegion label="products (scrolls)">
        <table aria-label="products">
          <thead>
            <tr>
              <th>product</th>
              <th>owner</th>
              <th>on-call</th>
              <th>freshness</th>
              <th>SLA met</th>
              <th>failing checks</th>
              <th>read outside</th>
            </tr>
          </thead>
          <tbody>
            {card.products.map((p) => (
              <tr key={p.product}>
                <td>
                  <a href={productLink(p.product)}>{p.product}</a>
                </td>
                <td>{p.owner}</td>
                <td>{p.oncall ?? '–'}</td>
                <td className={p.stale ? 'stale' : undefined}>{p.stale ? `stale: ${p.stale}` : p.state}</td>
                <td>{p.slaMet === null ? '–' : p.slaMet ? 'yes' : 'no'}</td>
                <td>{p.failingChecks}</td>
                <td>{p.consumersOutside.join(', ') || '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </>
  );
}

export function DomainPage({ name }: { name: string }) {
  const domain = useGet<DomainRecord>(`/v1/domains/${encodeURIComponent(name)}`);
  const card = useGet<Scorecard>(`/v1/health/domains/${encodeURIComponent(name)}?weeks=0`);
  if (!domain.data) return <Loading error={domain.error} />;
  const d = domain.data;
  return (
    <section aria-labelledby="domain-title">
      <h1 id="domain-title">
        {d.name} {d.core && <span className="badge">core</span>}
      </h1>
      {d.description && <p>{d.description}</p>}
      <dl className="facts">
        <dt>owner team</dt>
        <dd>{d.ownerTeam ?? 'none set (mesh domain set)'}</dd>
        <dt>teams</dt>
        <dd>{d.teams.join(', ') || '–'}</dd>
        <dt>members</dt>
        <dd>{d.members.join(', ') || '–'}</dd>
        <dt>products</dt>
        <dd>{d.products}</dd>
      </dl>
      {card.data ? <ScorecardTable card={card.data} /> : <Loading error={card.error} />}
    </section>
  );
}
