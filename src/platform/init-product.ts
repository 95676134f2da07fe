/**
 * `mesh init`: scaffolds a product folder whose descriptor passes `mesh validate` unchanged,
 * with comments that teach the format.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConflictError, InputError } from '../core/errors.js';
import { NAME_PATTERN, NAME_RULE } from '../descriptor/data-product-schema.js';
import { DESCRIPTOR_FILE } from './descriptor-bundle.js';

export const TEMPLATES = ['postgres', 'file', 'product'] as const;
export type Template = (typeof TEMPLATES)[number];

export interface InitOptions {
  readonly name: string;
  readonly domain: string;
  readonly owner: string;
  readonly oncall?: string;
  readonly template?: Template;
  /** Folder to create; defaults to ./<name>. */
  readonly dir?: string;
  readonly cwd?: string;
}

export interface InitResult {
  readonly dir: string;
  readonly files: string[];
}

const nameRe = new RegExp(NAME_PATTERN);
const emailRe = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function initProduct(options: InitOptions): InitResult {
  const template = options.template ?? 'postgres';
  if (!nameRe.test(options.name) || options.name.length > 63)
    throw new InputError(`invalid product name "${options.name}": ${NAME_RULE}`);
  if (!nameRe.test(options.domain) || options.domain.length > 63)
    throw new InputError(`invalid domain "${options.domain}": ${NAME_RULE}`);
  if (!emailRe.test(options.owner))
    throw new InputError(
      `invalid --owner "${options.owner}": the owning team's e-mail address, e.g. sales-data@company.com`,
    );
  if (options.oncall !== undefined && !emailRe.test(options.oncall))
    throw new InputError(`invalid --oncall "${options.oncall}": an e-mail address`);
  if (!(TEMPLATES as readonly string[]).includes(template))
    throw new InputError(`unknown template "${template}"; choose one of ${TEMPLATES.join(', ')}`);
  const dir = resolve(options.cwd ?? process.cwd(), options.dir ?? options.name);
  if (existsSync(dir))
    throw new ConflictError(`${dir} already exists; mesh init never overwrites`, {
      details: { hint: 'choose another --dir or remove the folder' },
    });

  const files: Record<string, string> = {
    [DESCRIPTOR_FILE]: descriptorText({ ...options, template, oncall: options.oncall ?? options.owner }),
    'transform.sql': transformText(),
    'README.md': readmeText(options, template),
  };
  if (template === 'file')
    files['data/records.csv'] =
      'id,label,amount,updated_at\n1,alpha,10.50,2026-01-01T00:00:00Z\n2,beta,7.25,2026-01-02T00:00:00Z\n3,gamma,3.00,2026-01-03T00:00:00Z\n';
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text, { flag: 'wx' });
  }
  return { dir, files: Object.keys(files) };
}

function inputBlock(template: Template, domain: string): string {
  switch (template) {
    case 'postgres':
      return `  inputs:
    - name: records
      source:
        type: postgres
        # Secrets come from the environment, never from this file.
        connection: \${SOURCE_DB_URI}
        # :last_run is bound (as a parameter) to the watermark of the last good run.
        query: SELECT id, label, amount, updated_at FROM records WHERE updated_at > :last_run
        watermark: updated_at`;
    case 'file':
      return `  inputs:
    - name: records
      source:
        type: file
        path: data/records.csv   # relative to this file; csv, parquet or json
        format: csv`;
    case 'product':
      return `  inputs:
    - name: records
      # Another data product, by domain/name@major: its current snapshot is the input.
      product: ${domain === 'identity' ? 'sales' : 'identity'}/customers@1`;
  }
}

function descriptorText(o: InitOptions & { template: Template; oncall: string }): string {
  return `# yaml-language-server: $schema=https://meshwork.dev/schemas/data-product.v1.json
# A Meshwork data product. Check it with \`mesh validate\`, publish it with \`mesh publish\`.
apiVersion: mesh/v1
kind: DataProduct
metadata:
  name: ${o.name}            # kebab-case, unique in its domain
  domain: ${o.domain}
  version: 0.1.0             # semver: breaking schema changes need a new major
  owner: ${o.owner}          # the owning team
  oncall: ${o.oncall}        # who is paged when the product breaks
  description: Describe what ${o.name} contains, who it is for and how fresh it is.
  tags: [${o.domain}]
spec:
${inputBlock(o.template, o.domain)}
  # SQL over the inputs (by name), run by the embedded engine (DuckDB).
  transform: transform.sql
  schema:
    primaryKey: [id]
    columns:
      - { name: id, type: bigint, nullable: false, pii: none, description: Record identifier }
      - { name: label, type: varchar, pii: none, description: Human-readable label }
      - { name: amount, type: "decimal(18,2)", pii: none, description: Amount in the record currency }
      - { name: updated_at, type: timestamp, nullable: false, pii: none, description: Last change in the source }
  quality:
    checks:
      - { type: unique, column: id }
      - { type: not_null, column: id }
      - { type: row_count, min: 1 }
      - { type: null_rate, column: label, threshold: 0.05, severity: warn }
  freshness: { target: 1d, alert_after: 2d }
  schedule: "0 6 * * *"      # cron: every day at 06:00
  outputPorts:
    - { name: files, type: parquet }
  sla:
    availability: 99.5%
    schemaStability: { compatibility: backward, deprecationNoticeDays: 30 }
  access:
    default: deny            # nobody reads until granted
    allow: []                # e.g. [{ team: analytics }]
`;
}

function transformText(): string {
  return `-- The transform: a SELECT over the inputs, each visible as a table by its name.
-- Its result must match spec.schema in product.yaml.
SELECT
  CAST(id AS BIGINT)            AS id,
  label,
  CAST(amount AS DECIMAL(18,2)) AS amount,
  CAST(updated_at AS TIMESTAMP) AS updated_at
FROM records
`;
}

function readmeText(o: InitOptions, template: Template): string {
  return `# ${o.domain}/${o.name}

Owned by ${o.owner}. Created from the \`${template}\` template.

- \`product.yaml\` — the descriptor: owner, schema, checks, freshness, ports, access.
- \`transform.sql\` — the SQL that shapes the inputs into the product.

\`\`\`sh
npx mesh validate        # check the descriptor and the policies in force
npx mesh publish         # record a new immutable version in the catalog
npx mesh show ${o.domain}/${o.name}
\`\`\`
`;
}
