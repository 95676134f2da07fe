/**
 * Governance (#/governance): the rules in force with their severity today, scope and source,
 * the policy sets they come from (GET /v1/policies, as `mesh policy list`), problems in the
 * sets themselves, the versions governance holds back (GET /v1/governance/refusals) and the
 * governance findings of the mesh health diagnosis (GET /v1/health/mesh).
 */
import { ScrollRegion } from './scroll-region';
import { useState } from 'react';
import { Loading, useGet } from './domain-pages';

interface Rule {
  readonly id: string;
  readonly kind: string;
  readonly severity: string;
  readonly effectiveSeverity: string;
  readonly enforceFrom: string | null;
  readonly message: string;
  readonly rationale: string | null;
  readonly source: string;
  readonly scope: string;
}

interface Listing {
  readonly sets: ReadonlyArray<{ name: string; scope: string; owner: string; origin: string; rules: number }>;
  readonly rules: Rule[];
  readonly diagnostics: ReadonlyArray<{ code: string; severity: string; message: string }>;
}

interface Finding {
  readonly pattern: string;
  readonly severity: string;
  readonly summary: string;
  readonly evidence: { readonly products: string[] };
  readonly remedy: string;
}

interface Refusal {
  readonly product: string;
  readonly version: string;
  readonly kind: string;
  readonly rules: string[];
  readonly actor: string;
  readonly at: string;
}

function Refusals({ scope }: { scope: string }) {
  const { data, error } = useGet<Refusal[]>(
    `/v1/governance/refusals${scope ? `?domain=${encodeURIComponent(scope)}` : ''}`,
  );
  if (!data) return <Loading error={error} />;
  return data.length === 0 ? (
    <p role="status">No product version is held back by governance.</p>
  ) : (
    <ul aria-label="refused versions">
      {data.map((r) => (
        <li key={`${r.product}@${r.version}`}>
          <strong>
            {r.product}@{r.version}
          </strong>{' '}
          refused at {r.kind} by {r.rules.join(', ')} ({r.actor}, {r.at.slice(0, 16).replace('T', ' ')})
        </li>
      ))}
    </ul>
  );
}

const GOVERNANCE_PATTERNS = new Set(['governance-as-gatekeeper', 'platform-team-as-help-desk']);

function RulesTable({ rules }: { rules: Rule[] }) {
  return (
    <ScrollRegion label="rules in force (scrolls)">
      <table aria-label="rules in force">
        <thead>
          <tr>
            <th>rule</th>
            <th>severity</th>
            <th>scope</th>
            <th>source</th>
            <th>what it asks</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={`${r.scope}/${r.id}`}>
              <td>
                <code>{r.id}</code> <span className="badge">{r.kind}</span>
              </td>
              <td>
                {r.effectiveSeverity}
                {r.enforceFrom && r.effectiveSeverity !== r.severity ? ` (${r.severity} from ${r.enforceFrom})` : ''}
              </td>
              <td>{r.scope}</td>
              <td>{r.source}</td>
              <td>
                {r.message}
                {r.rationale && <span className="hint"> — {r.rationale}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function MeshFindings() {
  const { data, error } = useGet<{ diagnosis: Finding[] }>('/v1/health/mesh?weeks=0');
  if (!data) return <Loading error={error} />;
  const findings = data.diagnosis.filter((f) => GOVERNANCE_PATTERNS.has(f.pattern));
  return findings.length === 0 ? (
    <p role="status">No governance finding across the mesh: no gatekeeping, no help desk.</p>
  ) : (
    <>
      {findings.map((f) => (
        <article key={f.pattern} className="hit" aria-label={f.pattern}>
          <h3>
            {f.pattern} <span className="badge">{f.severity}</span>
          </h3>
          <p>{f.summary}</p>
          {f.evidence.products.length > 0 && <p className="meta">products: {f.evidence.products.join(', ')}</p>}
          <p className="meta">remedy: {f.remedy}</p>
        </article>
      ))}
    </>
  );
}

function ScopeChoice({ scope, onChange }: { scope: string; onChange: (scope: string) => void }) {
  const domains = useGet<Array<{ name: string }>>('/v1/domains');
  return (
    <p className="inline">
      <label htmlFor="gov-scope">Rules in force for</label>
      <select id="gov-scope" value={scope} onChange={(e) => onChange(e.target.value)}>
        <option value="">every domain (global)</option>
        {(domains.data ?? []).map((d) => (
          <option key={d.name} value={d.name}>
            domain {d.name}
          </option>
        ))}
      </select>
    </p>
  );
}

export function GovernancePage() {
  const [scope, setScope] = useState('');
  const { data, error } = useGet<Listing>(scope ? `/v1/policies?domain=${encodeURIComponent(scope)}` : '/v1/policies');
  return (
    <section aria-labelledby="gov-title">
      <h1 id="gov-title">Governance</h1>
      <h2>Rules in force</h2>
      <ScopeChoice scope={scope} onChange={setScope} />
      {data ? <RulesTable rules={data.rules} /> : <Loading error={error} />}
      {data && (
        <>
          <h2>Policy sets</h2>
          {data.sets.length === 0 ? (
            <p role="status">No policy set: the built-in rules apply with their defaults.</p>
          ) : (
            <ul aria-label="policy sets">
              {data.sets.map((s) => (
                <li key={`${s.scope}/${s.name}`}>
                  <strong>{s.name}</strong> ({s.scope}, {s.rules} rule(s), owner {s.owner}, from {s.origin})
                </li>
              ))}
            </ul>
          )}
          {data.diagnostics.length > 0 && (
            <ul aria-label="policy set problems">
              {data.diagnostics.map((d, i) => (
                <li key={i} className="error">
                  {d.severity} {d.code}: {d.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <h2>Findings across the mesh</h2>
      <h3>Versions held back</h3>
      <p className="hint">Their latest check or publication was refused; a later pass or publication clears them.</p>
      <Refusals scope={scope} />
      <h3>Patterns</h3>
      <MeshFindings />
    </section>
  );
}
