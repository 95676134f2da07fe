/**
 * Mesh health in the catalog: the mesh's figures now, the failure patterns found with their
 * evidence and remedy, and each domain's figures (GET /v1/health/mesh, the same report as
 * `mesh health`), with the last 12 weeks' trend as charts.
 */
import { useEffect, useState } from 'react';
import { api } from './api';
import { HealthTrend, type TrendPoint } from './health-trend';

interface Figures {
  readonly products: number;
  readonly activeProducts: number;
  readonly staleProducts: number;
  readonly failingProducts: number;
  readonly ownershipAdoption: number | null;
  readonly slaCompliance: { readonly judged: number; readonly met: number; readonly share: number | null };
  readonly crossDomain: { readonly products: number; readonly share: number | null };
  readonly nps: { readonly nps: number | null; readonly ratings: number };
}

interface Finding {
  readonly pattern: string;
  readonly severity: 'warn' | 'error';
  readonly summary: string;
  readonly evidence: { readonly products: string[] };
  readonly remedy: string;
}

interface MeshHealth {
  readonly now: string;
  readonly mesh: Figures;
  readonly domains: ReadonlyArray<{
    readonly domain: string;
    readonly ownerTeam: string | null;
    readonly figures: Figures;
  }>;
  readonly diagnosis: Finding[];
  readonly notMeasured: string[];
  readonly trend: readonly TrendPoint[];
}

const percent = (x: number | null) => (x === null ? '–' : `${Math.round(x * 1000) / 10}%`);

export function HealthPage() {
  const [health, setHealth] = useState<MeshHealth | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<MeshHealth>('/v1/health/mesh?weeks=12')
      .then(setHealth)
      .catch((e: Error) => setError(e.message));
  }, []);
  if (error)
    return (
      <p role="alert" className="error">
        {error}
      </p>
    );
  if (!health) return <p className="status">Loading…</p>;
  const m = health.mesh;
  return (
    <section aria-labelledby="health-title">
      <h1 id="health-title">Mesh health</h1>
      <ul aria-label="mesh figures">
        <li>
          {m.products} products: {m.activeProducts} active, {m.staleProducts} stale, {m.failingProducts} failing
        </li>
        <li>ownership adoption {percent(m.ownershipAdoption)}</li>
        <li>
          SLA met by {m.slaCompliance.met} of {m.slaCompliance.judged} ({percent(m.slaCompliance.share)}) over 30 days
        </li>
        <li>
          {m.crossDomain.products} products read outside their domain ({percent(m.crossDomain.share)})
        </li>
        <li>
          NPS {m.nps.nps ?? '–'} from {m.nps.ratings} rating(s)
        </li>
      </ul>
      <HealthTrend trend={health.trend} />
      <h2>Diagnosis</h2>
      {health.diagnosis.length === 0 ? (
        <p role="status">No failure pattern found.</p>
      ) : (
        health.diagnosis.map((f) => (
          <article key={f.pattern} className="hit" aria-label={f.pattern}>
            <h3>
              {f.pattern} <span className={f.severity === 'error' ? 'badge run-failed' : 'badge'}>{f.severity}</span>
            </h3>
            <p>{f.summary}</p>
            {f.evidence.products.length > 0 && <p className="meta">products: {f.evidence.products.join(', ')}</p>}
            <p className="meta">remedy: {f.remedy}</p>
          </article>
        ))
      )}
      <h2>Domains</h2>
      <table aria-label="domains">
        <thead>
          <tr>
            <th>domain</th>
            <th>owner team</th>
            <th>products</th>
            <th>active</th>
            <th>stale</th>
            <th>SLA met</th>
            <th>NPS</th>
          </tr>
        </thead>
        <tbody>
          {health.domains.map((d) => (
            <tr key={d.domain}>
              <td>{d.domain}</td>
              <td>{d.ownerTeam ?? '–'}</td>
              <td>{d.figures.products}</td>
              <td>{d.figures.activeProducts}</td>
              <td>{d.figures.staleProducts}</td>
              <td>{percent(d.figures.slaCompliance.share)}</td>
              <td>{d.figures.nps.nps ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
