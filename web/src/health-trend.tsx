/** The mesh's weekly trend on the health page: products active, stale and failing; SLA, ownership and cross-domain shares; NPS. */
import { useMemo } from 'react';
import { BarChart, type Series } from './bar-chart';

export interface TrendPoint {
  readonly at: string;
  readonly activeProducts: number;
  readonly staleProducts: number;
  readonly failingProducts: number;
  readonly ownershipAdoption: number | null;
  readonly slaCompliance: { readonly share: number | null };
  readonly crossDomain: { readonly share: number | null };
  readonly nps: { readonly nps: number | null };
}

const share = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);
const words = (labels: readonly string[], values: ReadonlyArray<number | null>) =>
  labels.map((l, i) => `${l} ${values[i] ?? '–'}`).join(', ');

export function HealthTrend({ trend }: { trend: readonly TrendPoint[] }) {
  const labels = useMemo(() => trend.map((p) => p.at.slice(0, 10)), [trend]);
  const charts = useMemo(() => {
    const counts: Series[] = [
      { label: 'active', values: trend.map((p) => p.activeProducts), color: '#2e7d32' },
      { label: 'stale', values: trend.map((p) => p.staleProducts), color: '#f9a825' },
      { label: 'failing', values: trend.map((p) => p.failingProducts), color: '#c62828' },
    ];
    const shares: Series[] = [
      { label: 'SLA met %', values: trend.map((p) => share(p.slaCompliance.share)), color: '#1565c0' },
      { label: 'ownership %', values: trend.map((p) => share(p.ownershipAdoption)), color: '#6a1b9a' },
      { label: 'cross-domain %', values: trend.map((p) => share(p.crossDomain.share)), color: '#00838f' },
    ];
    const nps: Series[] = [{ label: 'NPS', values: trend.map((p) => p.nps.nps), color: '#ef6c00' }];
    return { counts, shares, nps };
  }, [trend]);
  if (trend.length < 2) return null;
  return (
    <section aria-labelledby="trend-title">
      <h2 id="trend-title">Weekly trend</h2>
      <BarChart
        type="line"
        labels={labels}
        series={charts.counts}
        summary={`Products each week: ${charts.counts.map((s) => `${s.label}: ${words(labels, s.values)}`).join('; ')}`}
      />
      <BarChart
        type="line"
        labels={labels}
        series={charts.shares}
        max={100}
        summary={`Shares each week in percent: ${charts.shares.map((s) => `${s.label} ${words(labels, s.values)}`).join('; ')}`}
      />
      <BarChart
        type="line"
        labels={labels}
        series={charts.nps}
        summary={`NPS each week: ${words(labels, charts.nps[0].values)}`}
      />
    </section>
  );
}
