/**
 * The new-product form's model, with no React in it: the form's fields, the descriptor they
 * make (product.yaml, written with the `yaml` package), the transform and the README of the
 * folder to download, and the columns proposed from a CSV file's header and first rows or from
 * a database source's description by the server.
 */
import { stringify } from 'yaml';
import { proposePii } from '../../src/governance/pii-proposal.js';

export const PII_CLASSES = ['none', 'indirect', 'direct', 'sensitive'] as const;
export const MASKINGS = ['none', 'hash', 'redact', 'partial', 'null'] as const;
export const COLUMN_TYPES = ['bigint', 'integer', 'double', 'decimal(18,2)', 'varchar', 'boolean', 'date', 'timestamp'];
export const SOURCE_KINDS = ['file', 'postgres', 'mysql'] as const;
export const FILE_FORMATS = ['csv', 'parquet', 'json'] as const;

export interface ColumnField {
  name: string;
  type: string;
  description: string;
  pii: (typeof PII_CLASSES)[number];
  masking: (typeof MASKINGS)[number];
  nullable: boolean;
  /** Part of the primary key: checked unique and not null. */
  key: boolean;
}

export interface ProductForm {
  name: string;
  domain: string;
  description: string;
  tags: string;
  owner: string;
  oncall: string;
  source: {
    kind: (typeof SOURCE_KINDS)[number];
    path: string;
    format: (typeof FILE_FORMATS)[number];
    /** The environment variable holding the connection string (never the secret itself). */
    connectionEnv: string;
    query: string;
    watermark: string;
  };
  transformSql: string;
  columns: ColumnField[];
  minRows: number;
  freshnessTarget: string;
  freshnessAlertAfter: string;
  schedule: string;
  availability: string;
  retention: string;
  /** Teams allowed to read, comma-separated (default deny for everyone else). */
  allowTeams: string;
}

export const INPUT_NAME = 'records';

export function emptyColumn(): ColumnField {
  return { name: '', type: 'varchar', description: '', pii: 'none', masking: 'none', nullable: true, key: false };
}

export function initialForm(domain = ''): ProductForm {
  return {
    name: '',
    domain,
    description: '',
    tags: '',
    owner: '',
    oncall: '',
    source: {
      kind: 'file',
      path: 'data/records.csv',
      format: 'csv',
      connectionEnv: 'SOURCE_DB_URI',
      query: '',
      watermark: '',
    },
    transformSql: '',
    columns: [emptyColumn()],
    minRows: 1,
    freshnessTarget: '1d',
    freshnessAlertAfter: '2d',
    schedule: '0 6 * * *',
    availability: '99.5%',
    retention: '',
    allowTeams: '',
  };
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function sourceOf(form: ProductForm): Record<string, unknown> {
  const s = form.source;
  if (s.kind === 'file') return { type: 'file', path: s.path.trim(), format: s.format };
  return {
    type: s.kind,
    connection: `\${${s.connectionEnv.trim() || 'SOURCE_DB_URI'}}`,
    query: s.query.trim() || undefined,
    watermark: s.watermark.trim() || undefined,
  };
}

function columnOf(c: ColumnField): Record<string, unknown> {
  return {
    name: c.name.trim(),
    type: c.type.trim(),
    nullable: c.nullable && !c.key ? undefined : false,
    pii: c.pii,
    masking: c.masking === 'none' ? undefined : c.masking,
    description: c.description.trim() || undefined,
  };
}

function checksOf(form: ProductForm): Record<string, unknown>[] {
  const keys = form.columns.filter((c) => c.key && c.name.trim());
  return [
    ...keys.flatMap((c) => [
      { type: 'unique', column: c.name.trim() },
      { type: 'not_null', column: c.name.trim() },
    ]),
    ...(form.minRows > 0 ? [{ type: 'row_count', min: form.minRows }] : []),
  ];
}

function metadataOf(form: ProductForm): Record<string, unknown> {
  return {
    name: form.name.trim(),
    domain: form.domain.trim(),
    version: '1.0.0',
    owner: form.owner.trim(),
    oncall: form.oncall.trim() || undefined,
    description: form.description.trim() || undefined,
    tags: list(form.tags).length ? list(form.tags) : undefined,
  };
}

function specOf(form: ProductForm): Record<string, unknown> {
  const keys = form.columns.filter((c) => c.key && c.name.trim()).map((c) => c.name.trim());
  const checks = checksOf(form);
  const allow = list(form.allowTeams).map((team) => ({ team }));
  return {
    inputs: [{ name: INPUT_NAME, source: sourceOf(form) }],
    transform: form.transformSql.trim() ? 'transform.sql' : undefined,
    schema: { primaryKey: keys.length ? keys : undefined, columns: form.columns.map(columnOf) },
    quality: checks.length ? { checks } : undefined,
    freshness: form.freshnessTarget.trim()
      ? { target: form.freshnessTarget.trim(), alert_after: form.freshnessAlertAfter.trim() || undefined }
      : undefined,
    schedule: form.schedule.trim() || undefined,
    outputPorts: [{ name: 'files', type: 'parquet' }],
    sla: form.availability.trim() ? { availability: form.availability.trim() } : undefined,
    retention: form.retention.trim() || undefined,
    access: { default: 'deny', allow },
  };
}

/** The descriptor as a plain object (undefined fields left out when written). */
export function descriptorOf(form: ProductForm): Record<string, unknown> {
  return { apiVersion: 'mesh/v1', kind: 'DataProduct', metadata: metadataOf(form), spec: specOf(form) };
}

export function descriptorYaml(form: ProductForm): string {
  const header =
    '# A Meshwork data product made with the catalog\'s "New product" form.\n' +
    '# Check it with `mesh validate`, publish it with `mesh publish`.\n';
  return header + stringify(descriptorOf(form), { lineWidth: 0 });
}

export function folderPath(form: ProductForm): string {
  return `${form.domain.trim() || 'domain'}/${form.name.trim() || 'product'}`;
}

export function readmeOf(form: ProductForm): string {
  const name = form.name.trim() || 'product';
  const lines = [
    `# ${form.domain.trim()}/${name}`,
    '',
    form.description.trim() || '(no description yet)',
    '',
    `Owner: ${form.owner.trim()}${form.oncall.trim() ? ` · on-call: ${form.oncall.trim()}` : ''}`,
    '',
    '## Columns',
    '',
    '| column | type | PII | description |',
    '|---|---|---|---|',
    ...form.columns.map((c) => `| ${c.name} | ${c.type} | ${c.pii} | ${c.description} |`),
    '',
    '## Publish',
    '',
    '```sh',
    'mesh validate product.yaml',
    'mesh publish product.yaml',
    '```',
    '',
  ];
  return lines.join('\n');
}

/** The files of the product's folder, by name. */
export function folderFiles(form: ProductForm): Array<{ name: string; text: string }> {
  return [
    { name: 'product.yaml', text: descriptorYaml(form) },
    ...(form.transformSql.trim() ? [{ name: 'transform.sql', text: `${form.transformSql.trim()}\n` }] : []),
    { name: 'README.md', text: readmeOf(form) },
  ];
}

function typeOfValues(values: readonly string[]): string {
  const present = values.filter((v) => v !== '');
  if (present.length === 0) return 'varchar';
  const all = (re: RegExp) => present.every((v) => re.test(v));
  if (all(/^-?\d{1,18}$/)) return 'bigint';
  if (all(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/)) return 'double';
  if (all(/^(true|false)$/i)) return 'boolean';
  if (all(/^\d{4}-\d{2}-\d{2}$/)) return 'date';
  if (all(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/)) return 'timestamp';
  return 'varchar';
}

/** One CSV line split on commas, honouring double quotes. */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"' && quoted && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

const IDENTIFIER = /[^a-z0-9_]+/g;

/**
 * Columns proposed from a CSV's header and first rows: names made identifiers, types guessed
 * from the values, PII classes proposed from the names as the server does for a database
 * source (governance/pii-proposal.ts, the same rules), for the user to confirm.
 */
export function columnsFromCsv(text: string, sampleRows = 100): ColumnField[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = splitCsvLine(lines[0]);
  const rows = lines.slice(1, sampleRows + 1).map(splitCsvLine);
  return header.map((raw, i) => {
    const name =
      raw
        .toLowerCase()
        .replace(IDENTIFIER, '_')
        .replace(/^_+|_+$/g, '') || `column_${i + 1}`;
    return { ...emptyColumn(), name, type: typeOfValues(rows.map((r) => r[i] ?? '')), pii: proposePii(raw).pii };
  });
}

/** What the server proposes for a database source (POST /v1/sources/describe). */
export interface SourceProposal {
  readonly columns: ReadonlyArray<{
    readonly name: string;
    readonly sourceName: string;
    readonly type: string;
    readonly nullable?: boolean;
    readonly pii: (typeof PII_CLASSES)[number];
    readonly piiReason?: string;
  }>;
  readonly notes: readonly string[];
}

/** The form's columns from a source's proposal: the PII classes stay proposals the user confirms in the table. */
export function columnsFromProposal(proposal: SourceProposal): ColumnField[] {
  return proposal.columns.map((c) => ({
    ...emptyColumn(),
    name: c.name,
    type: c.type,
    pii: c.pii,
    nullable: c.nullable ?? true,
  }));
}
