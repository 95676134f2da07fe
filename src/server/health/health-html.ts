/**
 * Mesh health as one self-contained HTML file: the figures, the diagnosis with its evidence,
 * weekly trends drawn by Chart.js (its UMD build inlined, so the file reads offline and sends
 * no request), the domain scorecards and the stale products. Printable: charts are drawn
 * without animation and the layout has a print stylesheet.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { npsText } from '../../registry/operations/ratings/nps.js';
import { figureLines, percent } from './health-markdown.js';
import type { DomainScorecard, HealthFinding, MeshHealth } from './health-records.js';

let chartJs: string | undefined;

/** Chart.js's UMD build, read once from the installed package. */
function chartScript(): string {
  // The package exports no path to its UMD build; it sits beside the CommonJS entry in dist/.
  const dist = dirname(createRequire(import.meta.url).resolve('chart.js'));
  chartJs ??= readFileSync(join(dist, 'chart.umd.min.js'), 'utf8');
  return chartJs;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element (no `</script>`, no `<!--`). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function healthHtml(health: MeshHealth): string {
  const title = `Mesh health, ${health.now.slice(0, 10)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>Judged as of ${escapeHtml(health.now)} from the history the platform recorded.</p></header>
${section('The mesh', list(figureLines(health.mesh)))}
${section('Diagnosis', diagnosisHtml(health))}
${section('Weekly trend', chartsHtml())}
${section('Domains', health.domains.map(scorecardHtml).join('\n') || '<p>No domain has products.</p>')}
${section('Stale products', health.stale.length ? list(health.stale.map((s) => `${s.product}: ${s.reason}`)) : '<p>None.</p>')}
<script type="application/json" id="mesh-health-data">${scriptJson(chartData(health))}</script>
<script>${chartScript()}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}

function section(heading: string, body: string): string {
  return `<section><h2>${escapeHtml(heading)}</h2>\n${body}\n</section>`;
}

function list(items: readonly string[]): string {
  return `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
}

function diagnosisHtml(health: MeshHealth): string {
  const findings = health.diagnosis.length
    ? health.diagnosis.map(findingHtml).join('\n')
    : '<p class="ok">No failure pattern found.</p>';
  const notMeasured = health.notMeasured.length ? `<p>Not measured:</p>${list(health.notMeasured)}` : '';
  return findings + notMeasured;
}

function findingHtml(f: HealthFinding): string {
  const numbers = Object.entries(f.evidence.numbers).map(([k, v]) => `${k} ${v}`);
  const evidence = [
    f.evidence.products.length ? `products: ${f.evidence.products.join(', ')}` : '',
    f.evidence.domains.length ? `domains: ${f.evidence.domains.join(', ')}` : '',
    numbers.length ? `numbers: ${numbers.join(', ')}` : '',
    `remedy: ${f.remedy}`,
  ].filter(Boolean);
  return `<article class="finding ${f.severity}"><h3>${escapeHtml(f.pattern)} <span>${f.severity}</span></h3><p>${escapeHtml(f.summary)}</p>${list(evidence)}</article>`;
}

const CHARTS = [
  ['products', 'Products: active, stale and failing'],
  ['shares', 'SLA compliance, ownership adoption and cross-domain consumption (%)'],
  ['nps', 'Consumer NPS (ratings in the quarter)'],
  ['domains', 'Domains now: SLA compliance (%) and NPS'],
] as const;

function chartsHtml(): string {
  return CHARTS.map(
    ([id, label]) =>
      `<figure><figcaption>${escapeHtml(label)}</figcaption><div class="chart"><canvas id="chart-${id}" aria-label="${escapeHtml(label)}" role="img"></canvas></div></figure>`,
  ).join('\n');
}

const share = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);

/** The series the charts draw: weekly points of the mesh and each domain's figures now. */
function chartData(health: MeshHealth) {
  const t = health.trend;
  return {
    weeks: t.map((p) => p.at.slice(0, 10)),
    active: t.map((p) => p.activeProducts),
    stale: t.map((p) => p.staleProducts),
    failing: t.map((p) => p.failingProducts),
    sla: t.map((p) => share(p.slaCompliance.share)),
    ownership: t.map((p) => share(p.ownershipAdoption)),
    crossDomain: t.map((p) => share(p.crossDomain.share)),
    nps: t.map((p) => p.nps.nps),
    ratings: t.map((p) => p.nps.ratings),
    domains: health.domains.map((d) => d.domain),
    domainSla: health.domains.map((d) => share(d.figures.slaCompliance.share)),
    domainNps: health.domains.map((d) => d.figures.nps.nps),
  };
}

function scorecardHtml(d: DomainScorecard): string {
  const head = `<h3>${escapeHtml(d.domain)}${d.core ? ' (core)' : ''}</h3><p>owner team: ${escapeHtml(d.ownerTeam ?? '(none)')}; members: ${escapeHtml(d.members.join(', ') || '(none)')}; ${escapeHtml(npsText(d.figures.nps))}</p>`;
  const header = ['product', 'owner', 'on-call', 'state', 'availability', 'stale', 'latest run', 'outside consumers'];
  const rows = d.products.map((p) =>
    [
      p.product,
      p.owner,
      p.oncall ?? '–',
      p.state,
      `${percent(p.availability)}${p.windowDays < 30 ? ` (${p.windowDays} d)` : ''} of ${percent(p.objective)}`,
      p.stale ?? '',
      `${p.latestRun ?? '–'}${p.failingChecks ? `, ${p.failingChecks} failed checks` : ''}`,
      p.consumersOutside.join(', '),
    ]
      .map((cell) => `<td>${escapeHtml(cell)}</td>`)
      .join(''),
  );
  return `<div class="domain">${head}${list(figureLines(d.figures))}<table><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table></div>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;color:#1d2330;margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:24px;margin:0}h2{font-size:19px;border-bottom:1px solid #d5dae3;padding-bottom:4px;margin-top:32px}
h3{font-size:15px;margin:16px 0 4px}header p{color:#5a6272;margin:4px 0 0}
.finding{border-left:4px solid #c98a00;padding:4px 12px;margin:12px 0;background:#fffaf0}
.finding.error{border-color:#c0392b;background:#fff4f2}.finding h3 span{font-weight:normal;color:#5a6272}
.ok{color:#23753a}figure{margin:16px 0;break-inside:avoid}figcaption{font-weight:600;margin-bottom:4px}
.chart{position:relative;height:260px}table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{border:1px solid #d5dae3;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f2f4f8}
.domain{break-inside:avoid}
@media print{body{max-width:none;padding:0}section{break-inside:auto}.chart{height:220px}}
`;

/** Draws the four charts from the embedded data; no animation, so a print shows them drawn. */
const DRAW = `
(function () {
  var d = JSON.parse(document.getElementById('mesh-health-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  function line(id, labels, sets) {
    new Chart(document.getElementById(id), { type: 'line', data: { labels: labels, datasets: sets },
      options: { spanGaps: true, scales: { y: { beginAtZero: true } } } });
  }
  line('chart-products', d.weeks, [
    { label: 'active', data: d.active }, { label: 'stale', data: d.stale }, { label: 'failing', data: d.failing }]);
  line('chart-shares', d.weeks, [
    { label: 'SLA met %', data: d.sla }, { label: 'ownership adoption %', data: d.ownership },
    { label: 'cross-domain %', data: d.crossDomain }]);
  new Chart(document.getElementById('chart-nps'), { type: 'line',
    data: { labels: d.weeks, datasets: [{ label: 'NPS', data: d.nps }] },
    options: { spanGaps: true, scales: { y: { min: -100, max: 100 } }, plugins: { tooltip: { callbacks: {
      afterLabel: function (c) { return d.ratings[c.dataIndex] + ' rating(s)'; } } } } } });
  new Chart(document.getElementById('chart-domains'), { type: 'bar',
    data: { labels: d.domains, datasets: [{ label: 'SLA met %', data: d.domainSla }, { label: 'NPS', data: d.domainNps }] },
    options: { scales: { y: { suggestedMin: -100, suggestedMax: 100 } } } });
  document.body.setAttribute('data-charts', 'drawn');
})();
`;
