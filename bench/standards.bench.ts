/**
 * Open standards and lineage: import and export of a 5,000-line ODCS contract (target ≤ 500 ms
 * each), and column lineage of a transform (target ≤ 20 ms; it runs beside the pipeline, off
 * the run's path, before the run's first lineage event).
 * The first import in a process also compiles the official ODCS JSON Schema (once per
 * process); it is reported on its own line.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { columnLineage } from '../src/lineage/column-lineage.js';
import { toYaml } from '../src/standards/yaml-text.js';
import { parseYamlText } from '../src/descriptor/yaml-source.js';
import { exportOdcs } from '../src/standards/odcs/export-odcs.js';
import { importOdcs } from '../src/standards/odcs/import-odcs.js';
import { schemaErrors } from '../src/standards/standard-schema.js';
import { bigContract } from '../test/helpers/odcs-contracts.js';
import type { BenchReport } from './bench-report.js';

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

export async function bench(report: BenchReport): Promise<void> {
  const text = stringify(bigContract(400));
  report.note(`contract: ${text.split('\n').length} lines, 400 properties, 401 quality rules`);
  let started = performance.now();
  const first = importOdcs(parseYamlText('big.odcs.yaml', text));
  report.metric('import, first in the process (with schema compile)', performance.now() - started, 'ms');
  if (!first.product) throw new Error('the bench contract does not import');
  const imports: number[] = [];
  for (let i = 0; i < 10; i++) {
    started = performance.now();
    importOdcs(parseYamlText('big.odcs.yaml', text));
    imports.push(performance.now() - started);
  }
  report.metric('import 5,000-line contract (p95 of 10)', p95(imports), 'ms', { max: 500 });
  const exports: number[] = [];
  for (let i = 0; i < 10; i++) {
    started = performance.now();
    const contract = exportOdcs({ descriptor: first.product, transformSql: first.transform?.sql });
    toYaml(contract);
    exports.push(performance.now() - started);
  }
  report.metric('export 5,000-line contract to YAML (p95 of 10)', p95(exports), 'ms', { max: 500 });
  started = performance.now();
  const errors = schemaErrors('odcs', exportOdcs({ descriptor: first.product, transformSql: first.transform?.sql }));
  report.metric('validate the export against the ODCS schema', performance.now() - started, 'ms');
  if (errors.length) throw new Error(`the export is not valid ODCS: ${errors[0]}`);
  await columnLineageBench(report);
}

/** Column lineage of the invoices-daily transform (three inputs, joins, aggregates): what a run's events pay. */
async function columnLineageBench(report: BenchReport): Promise<void> {
  const sql = readFileSync(new URL('../examples/sales/invoices-daily/transform.sql', import.meta.url), 'utf8');
  const inputs = ['invoice', 'invoice_line', 'customers'];
  const columns = ['invoice_day', 'billing_country', 'invoices', 'lines', 'customers', 'revenue'];
  let started = performance.now();
  await columnLineage(sql, inputs, columns);
  report.metric('column lineage, first in the process (opens the parser engine)', performance.now() - started, 'ms');
  const samples: number[] = [];
  for (let i = 0; i < 50; i++) {
    started = performance.now();
    await columnLineage(sql, inputs, columns);
    samples.push(performance.now() - started);
  }
  report.metric('column lineage of a 3-input transform (p95 of 50)', p95(samples), 'ms', { max: 20 });
}
