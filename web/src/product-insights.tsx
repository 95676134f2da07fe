/** A product page's trust signals: freshness and 30-day SLA, check history, consumer ratings, and its standard documents. */
import { useEffect, useMemo, useState } from 'react';
import { api, type CheckResult, type Rating, type SlaReport, type VersionChanges } from './api';
import { stringify } from 'yaml';
import { BarChart } from './bar-chart';

const STATE_TEXT: Record<SlaReport['state'], string> = {
  fresh: 'fresh',
  late: 'late (past its target, not yet alerting)',
  breached: 'breached',
  'never-published': 'no good publication yet',
  'no-target': 'no freshness target',
};

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

function useJson<T>(url: string): T | null | 'error' {
  const [value, setValue] = useState<T | null | 'error'>(null);
  useEffect(() => {
    setValue(null);
    api<T>(url)
      .then(setValue)
      .catch(() => setValue('error'));
  }, [url]);
  return value;
}

export function FreshnessSection({ base }: { base: string }) {
  const sla = useJson<SlaReport>(`${base}/sla`);
  const labels = useMemo(() => (sla && sla !== 'error' ? sla.daily.map((d) => d.day.slice(5)) : []), [sla]);
  const series = useMemo(
    () =>
      sla && sla !== 'error'
        ? [
            {
              label: 'within target',
              values: sla.daily.map((d) => (d.availability === null ? null : d.availability * 100)),
              color: '#2e7d32',
            },
          ]
        : [],
    [sla],
  );
  if (sla === 'error') return null;
  return (
    <section aria-labelledby="freshness-title">
      <h2 id="freshness-title">Freshness and SLA</h2>
      {!sla ? (
        <p className="status">Loading…</p>
      ) : (
        <>
          <p>
            Now: <strong className={`sla-state-${sla.state}`}>{STATE_TEXT[sla.state]}</strong>
            {sla.target ? ` · target ${sla.target}` : ''}
            {sla.lastGoodAt ? ` · last good publication ${new Date(sla.lastGoodAt).toLocaleString()}` : ''}
            {sla.openIncident ? ` · open incident ${sla.openIncident}` : ''}
          </p>
          <p>
            Last 30 days: {sla.availability === null ? 'not judged yet' : `${pct(sla.availability)} within target`}
            {sla.objective !== null ? ` (objective ${pct(sla.objective)})` : ''}
          </p>
          {sla.daily.some((d) => d.availability !== null) && (
            <BarChart
              labels={labels}
              series={series}
              max={100}
              summary={`Share of each of the last 30 days within the freshness target: ${sla.daily
                .filter((d) => d.availability !== null)
                .map((d) => `${d.day} ${pct(d.availability!)}`)
                .join(', ')}`}
            />
          )}
        </>
      )}
    </section>
  );
}

/** Passed and failed checks per run, oldest first. */
export function checkHistory(results: readonly CheckResult[]) {
  const runs = new Map<string, { time: string; pass: number; fail: number }>();
  for (const r of results) {
    const run = runs.get(r.runId) ?? { time: r.time, pass: 0, fail: 0 };
    run[r.status] += 1;
    if (r.time < run.time) run.time = r.time;
    runs.set(r.runId, run);
  }
  return [...runs.values()].sort((a, b) => (a.time < b.time ? -1 : 1));
}

export function CheckHistorySection({ base }: { base: string }) {
  const results = useJson<CheckResult[]>(`${base}/checks?runs=30`);
  const history = useMemo(() => (Array.isArray(results) ? checkHistory(results) : []), [results]);
  const labels = useMemo(() => history.map((h) => new Date(h.time).toLocaleDateString()), [history]);
  const series = useMemo(
    () => [
      { label: 'passed', values: history.map((h) => h.pass), color: '#2e7d32' },
      { label: 'failed', values: history.map((h) => h.fail), color: '#c62828' },
    ],
    [history],
  );
  if (history.length === 0) return null;
  return (
    <section aria-labelledby="check-history-title">
      <h2 id="check-history-title">Check history</h2>
      <BarChart
        labels={labels}
        series={series}
        stacked
        summary={`Checks passed and failed in each of the last ${history.length} runs: ${history
          .map((h) => `${h.pass} passed, ${h.fail} failed`)
          .join('; ')}`}
      />
    </section>
  );
}

export function RatingsSection({ base }: { base: string }) {
  const ratings = useJson<Rating[]>(`${base}/ratings`);
  if (!Array.isArray(ratings)) return null;
  return (
    <section aria-labelledby="ratings-title">
      <h2 id="ratings-title">Consumer ratings</h2>
      {ratings.length === 0 ? (
        <p className="status">
          Not rated yet. A consumer team rates it with <code>mesh rate &lt;product&gt; 0-10 --team &lt;team&gt;</code>.
        </p>
      ) : (
        <ul aria-label="ratings">
          {ratings.map((r) => (
            <li key={r.id}>
              <strong>{r.score}/10</strong> from {r.team} ({r.quarter}){r.comment ? `: “${r.comment}”` : ''}
              {r.answer ? (
                <p className="meta">
                  answer from {r.answeredBy}: {r.answer}
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function StandardsSection({ base }: { base: string }) {
  const [shown, setShown] = useState<{ name: string; text: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = (name: 'odcs' | 'odps') =>
    api<unknown>(`${base}/${name}`)
      .then((doc) => {
        setError(null);
        setShown({ name, text: stringify(doc) });
      })
      .catch((e: Error) => setError(e.message));
  return (
    <section aria-labelledby="standards-title">
      <h2 id="standards-title">Open standards</h2>
      <p>
        <button type="button" onClick={() => open('odcs')}>
          ODCS data contract
        </button>{' '}
        <button type="button" onClick={() => open('odps')}>
          ODPS product document
        </button>
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {shown && <pre aria-label={`${shown.name.toUpperCase()} document`}>{shown.text}</pre>}
    </section>
  );
}

/** Everything above, for one product. */
export function ProductInsights({ domain, name }: { domain: string; name: string }) {
  const base = `/v1/products/${encodeURIComponent(domain)}/${encodeURIComponent(name)}`;
  return (
    <>
      <ConsumersSection domain={domain} name={name} />
      <FreshnessSection base={base} />
      <CheckHistorySection base={base} />
      <RatingsSection base={base} />
      <StandardsSection base={base} />
    </>
  );
}

/** The published versions, newest first, each with its changes against the one before, breaking ones marked. */
export function VersionHistory({ domain, name }: { domain: string; name: string }) {
  const versions = useJson<VersionChanges[]>(
    `/v1/products/${encodeURIComponent(domain)}/${encodeURIComponent(name)}/changes`,
  );
  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      {versions === 'error' ? (
        <p className="error">The version history could not be read.</p>
      ) : !versions ? (
        <p className="status">Loading…</p>
      ) : (
        <ul aria-label="versions">
          {versions.map((v) => (
            <li key={v.version}>
              <strong>v{v.version}</strong> <span className={`badge ${v.status}`}>{v.status}</span>
              {v.previous === null ? (
                ' · first version'
              ) : v.changes.length === 0 ? (
                ` · no change from v${v.previous}`
              ) : (
                <ul aria-label={`changes from v${v.previous}`}>
                  {v.changes.map((c) => (
                    <li key={`${c.category}-${c.subject}`}>
                      {c.breaking ? (
                        <span className="badge breaking">breaking</span>
                      ) : (
                        <span className="badge">{c.bump}</span>
                      )}{' '}
                      <code>{c.subject}</code>: {c.reason}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface ConsumerNode {
  readonly id: string;
  readonly kind: string;
  readonly label: string;
  readonly side: string;
  readonly product?: string;
  readonly owner?: string;
}

/** Who reads the product, one hop down its lineage: consuming products and teams holding grants. */
export function ConsumersSection({ domain, name }: { domain: string; name: string }) {
  const graph = useJson<{ nodes: ConsumerNode[]; total: number }>(
    `/v1/lineage?product=${encodeURIComponent(`${domain}/${name}`)}&direction=downstream&depth=1`,
  );
  if (graph === 'error') return null;
  const consumers = graph ? graph.nodes.filter((n) => n.side === 'downstream') : [];
  return (
    <section aria-labelledby="consumers-title">
      <h2 id="consumers-title">Consumers</h2>
      {!graph ? (
        <p className="status">Loading…</p>
      ) : consumers.length === 0 ? (
        <p className="status">No consumers yet: no product reads it and no team holds a grant.</p>
      ) : (
        <ul aria-label="consumers">
          {consumers.map((n) => (
            <li key={n.id}>
              {n.kind === 'product' && n.product ? (
                <a href={`#/p/${n.product}`}>{n.product}</a>
              ) : (
                <span>{n.label}</span>
              )}{' '}
              <span className="badge">{n.kind === 'team' ? 'team with a grant' : n.kind}</span>
              {n.owner ? <span className="meta"> · owner {n.owner}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
