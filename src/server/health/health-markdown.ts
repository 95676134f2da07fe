/** Mesh health as one Markdown report: figures, weekly trend, scorecards and the diagnosis with evidence. */
import { npsText } from '../../registry/operations/ratings/nps.js';
import type { DomainScorecard, HealthFigures, MeshHealth } from './health-records.js';

export const percent = (x: number | null) => (x === null ? '–' : `${Math.round(x * 1000) / 10}%`);
const num = (x: number | null, unit = '') => (x === null ? '–' : `${x}${unit}`);

/** The figures of one scope, one line each. */
export function figureLines(f: HealthFigures): string[] {
  return [
    `products: ${f.products} (${f.activeProducts} active, ${f.staleProducts} stale, ${f.failingProducts} failing)`,
    `ownership adoption: ${percent(f.ownershipAdoption)} of products have an owner team with members and an on-call; ${f.domainsWithActiveProduct.active} of ${f.domainsWithActiveProduct.of} domains have an active product`,
    `SLA compliance (30 days): ${f.slaCompliance.met} of ${f.slaCompliance.judged} products met their objective (${percent(f.slaCompliance.share)})`,
    `cross-domain consumption: ${f.crossDomain.products} products (${percent(f.crossDomain.share)}) have ${f.crossDomain.consumers} consumer(s) outside their domain`,
    `publication velocity: first publication → first data ${num(f.daysToFirstData, ' days')} (median); version → data ${num(f.hoursVersionToData, ' h')}`,
    `incidents (30 days): ${f.incidents.opened} opened, acknowledged in ${num(f.incidents.medianMinutesToAcknowledge, ' min')}, resolved in ${num(f.incidents.medianMinutesToResolve, ' min')} (medians), ${f.incidents.unacknowledged} unacknowledged`,
    `consumer ${npsText(f.nps)} in ${f.nps.quarter}`,
  ];
}

export function healthMarkdown(health: MeshHealth): string {
  const lines: string[] = [`# Mesh health, ${health.now}`, '', '## The mesh', ''];
  lines.push(...figureLines(health.mesh).map((l) => `- ${l}`), '');
  lines.push('## Diagnosis', '');
  if (health.diagnosis.length === 0) lines.push('No failure pattern found.', '');
  for (const f of health.diagnosis) {
    lines.push(`### ${f.pattern} (${f.severity})`, '', f.summary, '');
    if (f.evidence.products.length) lines.push(`- products: ${f.evidence.products.join(', ')}`);
    if (f.evidence.domains.length) lines.push(`- domains: ${f.evidence.domains.join(', ')}`);
    lines.push(
      `- numbers: ${Object.entries(f.evidence.numbers)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    lines.push(`- remedy: ${f.remedy}`, '');
  }
  if (health.notMeasured.length) lines.push('Not measured:', '', ...health.notMeasured.map((n) => `- ${n}`), '');
  lines.push(
    '## Weekly trend',
    '',
    '| week | products | active | stale | SLA met | cross-domain | NPS |',
    '|---|---|---|---|---|---|---|',
  );
  for (const p of health.trend)
    lines.push(
      `| ${p.at.slice(0, 10)} | ${p.products} | ${p.activeProducts} | ${p.staleProducts} | ${percent(p.slaCompliance.share)} | ${p.crossDomain.products} | ${p.nps.nps ?? '–'} (${p.nps.ratings}) |`,
    );
  lines.push('', '## Domains', '');
  for (const d of health.domains) lines.push(...scorecardMarkdown(d), '');
  if (health.stale.length)
    lines.push('## Stale products', '', ...health.stale.map((s) => `- ${s.product}: ${s.reason}`), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

export function scorecardMarkdown(d: DomainScorecard): string[] {
  const lines = [`### ${d.domain}${d.core ? ' (core)' : ''}`, ''];
  lines.push(`owner team: ${d.ownerTeam ?? '(none)'}; members: ${d.members.join(', ') || '(none)'}`, '');
  lines.push(...figureLines(d.figures).map((l) => `- ${l}`), '');
  lines.push(
    '| product | owner | on-call | state | availability | objective | stale | latest run | consumers outside | NPS |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const p of d.products)
    lines.push(
      `| ${p.product} | ${p.owner} | ${p.oncall ?? '–'} | ${p.state} | ${percent(p.availability)}${p.windowDays < 30 ? ` (${p.windowDays} d)` : ''} | ${percent(p.objective)} | ${p.stale ?? ''} | ${p.latestRun ?? '–'}${p.failingChecks ? `, ${p.failingChecks} failed checks` : ''} | ${p.consumersOutside.join(', ')} | ${p.nps.nps ?? '–'} (${p.nps.ratings}) |`,
    );
  return lines;
}
