/**
 * A Meshwork product as an ODCS v3.1.0 data contract. Everything ODCS has a field for is
 * written there (schema object and properties, quality rules, SLA properties, servers for the
 * output ports, roles for access, team and support for owner and on-call); what only Meshwork
 * has (inputs, transform, schedule, schema stability, …) travels in `customProperties` named
 * `meshwork…`, so importing the contract gives back the same descriptor.
 */
import type { ColumnSpec, DataProduct, OutputPortSpec } from '../../descriptor/data-product-schema.js';
import { CHECK_PROPERTY, exportCheck, type OdcsRule } from './odcs-quality.js';
import { classificationOf, logicalTypeOf } from './odcs-types.js';

export const ODCS_API_VERSION = 'v3.1.0';

export interface OdcsExportInput {
  readonly descriptor: DataProduct;
  readonly transformSql?: string | null;
  /** Registry status of the version (active, deprecated, retired); `draft` for an unpublished folder. */
  readonly status?: string;
}

export type OdcsContract = Record<string, unknown>;

export const CUSTOM = {
  inputs: 'meshworkInputs',
  transform: 'meshworkTransform',
  schedule: 'meshworkSchedule',
  schemaStability: 'meshworkSchemaStability',
  alertAfter: 'meshworkFreshnessAlertAfter',
  accessDefault: 'meshworkAccessDefault',
  port: 'meshworkPort',
  masking: 'meshworkMasking',
  acceptedValues: 'meshworkAcceptedValues',
  check: CHECK_PROPERTY,
} as const;

export function contractId(domain: string, name: string): string {
  return `meshwork:${domain}/${name}`;
}

export function exportOdcs(input: OdcsExportInput): OdcsContract {
  const { metadata: m, spec } = input.descriptor;
  const contract: OdcsContract = {
    apiVersion: ODCS_API_VERSION,
    kind: 'DataContract',
    id: contractId(m.domain, m.name),
    name: m.name,
    version: m.version,
    status: input.status ?? 'active',
    domain: m.domain,
  };
  if (m.tags?.length) contract.tags = [...m.tags];
  if (m.description) contract.description = { purpose: m.description };
  contract.schema = [schemaObject(input.descriptor)];
  contract.servers = spec.outputPorts.map(server);
  const roles = accessRoles(input.descriptor);
  if (roles.length) contract.roles = roles;
  contract.team = { name: m.owner, members: [{ username: m.owner, role: 'owner' }] };
  if (m.oncall) contract.support = [{ channel: 'oncall', tool: 'email', url: `mailto:${m.oncall}`, scope: 'issues' }];
  const sla = slaProperties(input.descriptor);
  if (sla.length) contract.slaProperties = sla;
  const custom = customProperties(input);
  if (custom.length) contract.customProperties = custom;
  return contract;
}

function schemaObject(product: DataProduct): Record<string, unknown> {
  const { metadata: m, spec } = product;
  const byColumn = new Map<string, OdcsRule[]>();
  const objectRules: OdcsRule[] = [];
  const required = new Set(spec.schema.columns.filter((c) => c.nullable === false).map((c) => c.name));
  for (const [i, check] of (spec.quality?.checks ?? []).entries()) {
    const exported = exportCheck(check, required);
    const column = exported.column;
    const rule = { id: `check_${i + 1}`, ...exported.rule };
    if (column && spec.schema.columns.some((c) => c.name === column)) {
      const list = byColumn.get(column) ?? [];
      list.push(rule);
      byColumn.set(column, list);
    } else objectRules.push(rule);
  }
  const object: Record<string, unknown> = { name: m.name, physicalType: 'table' };
  if (m.title) object.businessName = m.title;
  object.properties = spec.schema.columns.map((c) =>
    property(c, spec.schema.primaryKey ?? [], byColumn.get(c.name) ?? []),
  );
  if (objectRules.length) object.quality = objectRules;
  return object;
}

function property(column: ColumnSpec, primaryKey: readonly string[], rules: OdcsRule[]): Record<string, unknown> {
  const p: Record<string, unknown> = {
    name: column.name,
    logicalType: logicalTypeOf(column.type),
    physicalType: column.type,
  };
  if (column.nullable !== undefined) p.required = !column.nullable;
  const keyAt = primaryKey.indexOf(column.name);
  if (keyAt >= 0) {
    p.primaryKey = true;
    p.primaryKeyPosition = keyAt + 1;
  }
  const unique = rules.some((r) => r.metric === 'duplicateValues' && r.mustBe === 0 && !r.customProperties);
  if (unique) p.unique = true;
  if (column.description) p.description = column.description;
  if (column.pii) p.classification = classificationOf(column.pii);
  if (column.tags?.length) p.tags = [...column.tags];
  const custom: Record<string, unknown>[] = [];
  if (column.masking) custom.push({ property: CUSTOM.masking, value: column.masking });
  if (column.acceptedValues) custom.push({ property: CUSTOM.acceptedValues, value: column.acceptedValues });
  if (custom.length) p.customProperties = custom;
  if (rules.length) p.quality = rules;
  return p;
}

/** Each output port is a server; the port itself travels beside it for a faithful import. */
function server(port: OutputPortSpec): Record<string, unknown> {
  const custom = [{ property: CUSTOM.port, value: { ...port } }];
  if (port.type === 'parquet')
    return {
      server: port.name,
      type: 'local',
      format: 'parquet',
      path: `${port.name}/*.parquet`,
      description: 'parquet snapshots in the Meshwork warehouse',
      customProperties: custom,
    };
  const description =
    port.type === 'stream'
      ? `NATS JetStream subject ${port.subject ?? '(default)'}`
      : `PostgreSQL table ${port.table ?? '(default)'}`;
  return { server: port.name, type: 'custom', description, customProperties: custom };
}

function accessRoles(product: DataProduct): Record<string, unknown>[] {
  const roles: Record<string, unknown>[] = [];
  const access = product.spec.access;
  const name = (r: { team?: string; user?: string; domain?: string }) =>
    r.team ? `team:${r.team}` : r.user ? `user:${r.user}` : `domain:${r.domain ?? ''}`;
  for (const rule of access?.allow ?? []) roles.push({ role: name(rule), access: 'read' });
  for (const rule of access?.pii ?? [])
    roles.push({ role: name(rule), access: 'read-pii', description: 'may read PII columns unmasked' });
  return roles;
}

function slaProperties(product: DataProduct): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const duration = (property: string, text: string, extra: Record<string, unknown> = {}) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text);
    if (match) out.push({ property, value: Number(match[1]), unit: match[2], ...extra });
  };
  const spec = product.spec;
  if (spec.freshness) duration('latency', spec.freshness.target, { description: 'freshness target' });
  if (spec.retention) duration('retention', spec.retention);
  if (spec.sla?.availability)
    out.push({ property: 'availability', value: Number(spec.sla.availability.replace('%', '')), unit: 'percent' });
  return out;
}

function customProperties(input: OdcsExportInput): Record<string, unknown>[] {
  const spec = input.descriptor.spec;
  const out: Record<string, unknown>[] = [];
  const add = (property: string, value: unknown) => {
    if (value !== undefined) out.push({ property, value: JSON.parse(JSON.stringify(value)) as unknown });
  };
  add(CUSTOM.inputs, spec.inputs);
  if (spec.transform !== undefined) {
    const file = typeof spec.transform === 'string' ? spec.transform : undefined;
    const sql = typeof spec.transform === 'string' ? (input.transformSql ?? undefined) : spec.transform.sql;
    add(CUSTOM.transform, file ? { file, sql } : { sql });
  }
  add(CUSTOM.schedule, spec.schedule);
  add(CUSTOM.alertAfter, spec.freshness?.alert_after);
  add(CUSTOM.schemaStability, spec.sla?.schemaStability);
  add(CUSTOM.accessDefault, spec.access?.default);
  return out;
}
