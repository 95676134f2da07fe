/**
 * An ODCS data contract (v3.1.0; v3.0.x read the same way) as a Meshwork product: descriptor,
 * transform SQL and the rules kept as documentation. The contract is first checked against the
 * official JSON Schema (every error located); then each field is mapped, and every field the
 * mapping did not carry over is a located `odcs-unmapped` warning (see FieldLedger).
 */
import semver from 'semver';
import type { Diagnostic } from '../../core/diagnostic.js';
import type {
  AccessRuleSpec,
  ColumnSpec,
  DataProduct,
  InputSpec,
  OutputPortSpec,
  QualityCheckSpec,
} from '../../descriptor/data-product-schema.js';
import type { PathSegment, YamlSource } from '../../descriptor/yaml-source.js';
import { dotted, FieldLedger } from '../field-ledger.js';
import { validateAgainstStandard } from '../standard-schema.js';
import { contractId, CUSTOM } from './export-odcs.js';
import { importRule, type OdcsRule, type RuleScope } from './odcs-quality.js';
import { meshTypeOf, piiOf } from './odcs-types.js';

export const UNMAPPED = 'odcs-unmapped';
const SUPPORTED = /^v3\.(1\.0|0\.\d+)$/;

export interface OdcsImportOptions {
  readonly domain?: string;
  readonly name?: string;
  readonly owner?: string;
  /** The server (its `server` name) the input reads; default: the first one Meshwork reads. */
  readonly server?: string;
  /** The schema object (its index) that becomes the product; default: the first with properties. */
  readonly schemaObject?: number;
}

/** The indexes of a contract's schema objects that have properties (each can become a product). */
export function schemaObjectsOf(doc: unknown): number[] {
  const objects = isObj(doc) && Array.isArray(doc.schema) ? (doc.schema as unknown[]) : [];
  return objects.flatMap((o, i) => (isObj(o) && Array.isArray(o.properties) && o.properties.length > 0 ? [i] : []));
}

/** A contract property as the product's column: its name in the source, and its path in the contract. */
export interface ImportedProperty {
  readonly column: string;
  readonly physical: string;
  /** Locate it with the source's `locate` (only when something is reported: locating parses for positions). */
  readonly path: readonly PathSegment[];
}

export interface OdcsImport {
  /** Undefined when the contract could not be read (errors in `diagnostics`). */
  readonly product?: DataProduct;
  /** The transform file name (relative, in the product folder) and its SQL. */
  readonly transform?: { readonly file?: string; readonly sql: string };
  /** Markdown for README.md: the rules Meshwork cannot run, kept as documentation. */
  readonly documentation: string[];
  readonly diagnostics: Diagnostic[];
  /** The properties of the schema object that became the product, in order. */
  readonly properties?: ImportedProperty[];
  /** The server the input reads (its `server` name) and, for a database, the table, quoted. */
  readonly server?: { readonly name?: string; readonly table?: string };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

export function importOdcs(source: YamlSource, options: OdcsImportOptions = {}): OdcsImport {
  const fail = (diagnostics: Diagnostic[]): OdcsImport => ({ documentation: [], diagnostics });
  if (source.diagnostics.some((d) => d.severity === 'error') || source.value === undefined)
    return fail(source.diagnostics);
  const doc = source.value;
  const error = (code: string, path: PathSegment[], message: string, hint?: string): Diagnostic => ({
    code,
    severity: 'error',
    message,
    location: source.locate(path),
    path: dotted(path),
    hint,
  });
  if (!isObj(doc))
    return fail([
      error(
        'odcs-not-a-contract',
        [],
        'the file is YAML but not a data contract (a mapping with apiVersion, kind, schema…)',
      ),
    ]);
  const api = doc.apiVersion;
  if (typeof api !== 'string' || !SUPPORTED.test(api))
    return fail([
      error(
        'odcs-api-version',
        ['apiVersion'],
        api === undefined ? 'the contract has no apiVersion' : `unsupported ODCS apiVersion ${JSON.stringify(api)}`,
        'Meshwork reads ODCS v3.1.0 (and v3.0.x); set apiVersion: v3.1.0',
      ),
    ]);
  const invalid = validateAgainstStandard('odcs', source, 'odcs-schema');
  if (invalid.length) return fail(invalid);
  return new ContractReader(source, doc, options).read();
}

class ContractReader {
  private readonly ledger: FieldLedger;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly documentation: string[] = [];
  /** The quoted table the database input reads, once chosen. */
  private sourceTable?: string;

  constructor(
    private readonly source: YamlSource,
    private readonly doc: Obj,
    private readonly options: OdcsImportOptions,
  ) {
    this.ledger = new FieldLedger(source, UNMAPPED);
  }

  read(): OdcsImport {
    const l = this.ledger;
    l.use('apiVersion');
    l.use('kind');
    const objects = Array.isArray(this.doc.schema) ? (this.doc.schema as unknown[]) : [];
    const chosen = this.options.schemaObject;
    const first = chosen ?? schemaObjectsOf(this.doc)[0] ?? -1;
    if (first < 0 || !schemaObjectsOf(this.doc).includes(first)) {
      this.diagnostics.push({
        code: 'odcs-no-schema',
        severity: 'error',
        message: 'the contract describes no schema object with properties; a data product needs at least one column',
        location: this.source.locate(objects.length ? ['schema'] : []),
        path: 'schema',
        hint: 'add a schema object with its properties, then import again',
      });
      return { documentation: [], diagnostics: this.diagnostics };
    }
    objects.forEach((_o, i) => {
      // A caller choosing the object (a contract test of each) covers the others itself.
      if (i !== first && chosen !== undefined) l.use('schema', i);
      else if (i !== first)
        l.explain(
          ['schema', i],
          `only one schema object becomes the product (schema[${first}]); this one is not carried over — split the contract to import it`,
        );
    });
    const object = objects[first] as Obj;
    const metadata = this.metadata(object, first);
    const schema = this.schema(object, first);
    const inputs = this.inputs(schema.columns, object, first);
    const spec: DataProduct['spec'] = {
      inputs: inputs.inputs,
      transform: inputs.transform && (inputs.transform.file ?? { sql: inputs.transform.sql }),
      schema: schema.schema,
      ...(schema.checks.length ? { quality: { checks: schema.checks } } : {}),
      ...this.freshness(),
      ...this.schedule(),
      outputPorts: this.outputPorts(inputs.serversUsed),
      ...this.sla(),
      ...this.retention(),
      ...this.access(),
    };
    const product: DataProduct = {
      apiVersion: 'mesh/v1',
      kind: 'DataProduct',
      metadata,
      spec: orderSpec(spec),
    };
    this.diagnostics.push(...l.unmapped('a Meshwork product'));
    return {
      product,
      transform: inputs.transform,
      documentation: this.documentation,
      diagnostics: this.diagnostics,
      properties: schema.columns.map((c) => ({ column: c.spec.name, physical: c.physical, path: c.path })),
      ...(inputs.server ? { server: { name: inputs.server, table: this.sourceTable } } : {}),
    };
  }

  private note(code: string, path: PathSegment[], message: string, severity: 'warn' | 'info' = 'warn'): void {
    // The document itself is at 1:1: no need for the position-keeping parse.
    const location = path.length ? this.source.locate(path) : { file: this.source.file, line: 1, col: 1 };
    this.diagnostics.push({ code, severity, message, location, path: dotted(path) });
  }

  private custom(path: PathSegment[], property: string): unknown {
    const list = getAt(this.doc, [...path, 'customProperties']);
    if (!Array.isArray(list)) return undefined;
    const at = list.findIndex((p) => isObj(p) && p.property === property);
    if (at < 0) return undefined;
    this.ledger.use(...path, 'customProperties', at);
    return (list[at] as Obj).value;
  }

  // ---------------------------------------------------------------- metadata

  private metadata(object: Obj, index: number): DataProduct['metadata'] {
    const l = this.ledger;
    const doc = this.doc;
    const name = kebab(this.options.name ?? str(doc.name) ?? str(doc.dataProduct) ?? str(object.name) ?? 'imported');
    if (!this.options.name) {
      if (str(doc.name)) l.use('name');
      else if (str(doc.dataProduct)) l.use('dataProduct');
      else l.use('schema', index, 'name');
    }
    if (str(doc.name) && str(doc.dataProduct) && kebab(String(doc.dataProduct)) === name) l.use('dataProduct');
    if (str(object.name) && kebab(String(object.name)) === name) l.use('schema', index, 'name');
    const domain = kebab(this.options.domain ?? str(doc.domain) ?? 'imported');
    if (str(doc.domain)) l.use('domain');
    if (!this.options.domain && !str(doc.domain))
      this.note(
        'odcs-no-domain',
        [],
        'the contract names no domain; the product is in domain "imported" (use --domain)',
      );
    if (doc.id === contractId(domain, name) || doc.id === undefined) l.use('id');
    else
      l.explain(
        ['id'],
        `the contract id ${JSON.stringify(doc.id)} is not kept: Meshwork names the product ${domain}/${name}`,
      );
    if (doc.status === 'active' || doc.status === 'draft') l.use('status');
    else
      l.explain(
        ['status'],
        `status ${JSON.stringify(doc.status)} is not kept: a version's status comes from the registry`,
      );
    const version = this.version();
    const metadata: DataProduct['metadata'] = { name, domain, version, owner: this.owner() };
    const oncall = this.oncall();
    if (oncall) Object.assign(metadata, { oncall });
    if (str(object.businessName)) {
      Object.assign(metadata, { title: object.businessName });
      l.use('schema', index, 'businessName');
    }
    const description = this.description(object, index);
    if (description) Object.assign(metadata, { description });
    const tags = [...(Array.isArray(doc.tags) ? doc.tags : []), ...(Array.isArray(object.tags) ? object.tags : [])].map(
      String,
    );
    if (Array.isArray(doc.tags)) l.use('tags');
    if (Array.isArray(object.tags)) l.use('schema', index, 'tags');
    if (tags.length) Object.assign(metadata, { tags: [...new Set(tags)] });
    return metadata;
  }

  private version(): string {
    const raw = this.doc.version;
    const valid = typeof raw === 'string' ? semver.valid(raw) : null;
    if (valid) {
      this.ledger.use('version');
      return raw as string;
    }
    const coerced = semver.coerce(String(raw))?.version ?? '1.0.0';
    this.ledger.use('version');
    this.note(
      'odcs-version',
      ['version'],
      `version ${JSON.stringify(raw)} is not a semantic version; imported as ${coerced}`,
    );
    return coerced;
  }

  /** Purpose, the object's description, usage and limitations, as one text (Meshwork has one description). */
  private description(object: Obj, index: number): string | undefined {
    const d = isObj(this.doc.description) ? this.doc.description : {};
    const parts: string[] = [];
    const take = (value: unknown, path: PathSegment[], label?: string) => {
      if (!str(value)) return;
      const text = String(value).trim();
      if (!parts.includes(text)) parts.push(label ? `${label}: ${text}` : text);
      this.ledger.use(...path);
    };
    take(d.purpose, ['description', 'purpose']);
    take(object.description, ['schema', index, 'description']);
    take(d.usage, ['description', 'usage'], 'Usage');
    take(d.limitations, ['description', 'limitations'], 'Limitations');
    return parts.length ? parts.join('\n\n') : undefined;
  }

  private owner(): string {
    if (this.options.owner) return this.options.owner;
    const team = this.doc.team;
    const members = isObj(team) && Array.isArray(team.members) ? team.members : Array.isArray(team) ? team : [];
    const membersPath = isObj(team) ? ['team', 'members'] : ['team'];
    const at = members.findIndex((m) => isObj(m) && /owner/i.test(String(m.role ?? '')) && isEmail(m.username));
    if (at >= 0) {
      this.ledger.use(...membersPath, at, 'username');
      this.ledger.use(...membersPath, at, 'role');
      if (isObj(team) && team.name === (members[at] as Obj).username) this.ledger.use('team', 'name');
      return String((members[at] as Obj).username);
    }
    if (isObj(team) && isEmail(team.name)) {
      this.ledger.use('team', 'name');
      return String(team.name);
    }
    this.note(
      'odcs-no-owner',
      isObj(team) || Array.isArray(team) ? ['team'] : [],
      'the contract names no owner e-mail (a team member with role owner); the product is owned by owner@example.com until you set metadata.owner (or pass --owner)',
    );
    return 'owner@example.com';
  }

  private oncall(): string | undefined {
    const support = this.doc.support;
    if (!Array.isArray(support)) return undefined;
    const at = support.findIndex((s) => isObj(s) && typeof s.url === 'string' && /^mailto:\S+@\S+$/.test(s.url));
    if (at < 0) return undefined;
    const item = support[at] as Obj;
    for (const key of ['url', 'channel', 'tool', 'scope'])
      if (item[key] !== undefined) this.ledger.use('support', at, key);
    return String(item.url).slice('mailto:'.length);
  }

  // ---------------------------------------------------------------- schema

  private schema(
    object: Obj,
    index: number,
  ): { schema: DataProduct['spec']['schema']; columns: ImportedColumn[]; checks: QualityCheckSpec[] } {
    const l = this.ledger;
    const base: PathSegment[] = ['schema', index];
    if (object.physicalType === 'table' || object.physicalType === 'view') l.use(...base, 'physicalType');
    if (object.logicalType === 'object') l.use(...base, 'logicalType');
    const props = (object.properties as unknown[]).filter(isObj);
    const columns: ImportedColumn[] = [];
    const checks: OrderedCheck[] = [];
    const keys: { name: string; position: number; order: number }[] = [];
    const names = new Set<string>();
    const required = new Set(props.filter((p) => p.required === true).map((p) => identifier(String(p.name))));
    props.forEach((prop, i) => {
      const at: PathSegment[] = [...base, 'properties', i];
      const column = this.column(prop, at, names);
      columns.push(column);
      names.add(column.spec.name);
      if (prop.primaryKey === true) {
        const position =
          typeof prop.primaryKeyPosition === 'number' && prop.primaryKeyPosition > 0
            ? prop.primaryKeyPosition
            : Infinity;
        keys.push({ name: column.spec.name, position, order: i });
        l.use(...at, 'primaryKey');
        l.use(...at, 'primaryKeyPosition');
      }
      checks.push(...this.rules(prop.quality, [...at, 'quality'], { column: column.spec.name, required }));
      const ruled = Array.isArray(prop.quality) && prop.quality.some((q) => isObj(q) && q.metric === 'duplicateValues');
      const unique = importRule({ metric: 'duplicateValues', mustBe: 0 }, { column: column.spec.name, required }).check;
      if (prop.unique === true && !ruled && unique) checks.push({ check: unique, position: Infinity });
      if (prop.unique !== undefined) l.use(...at, 'unique');
    });
    const renames = new Map(columns.map((c) => [c.source, c.spec.name]));
    checks.push(...this.rules(object.quality, [...base, 'quality'], { required }, renames));
    keys.sort((a, b) => a.position - b.position || a.order - b.order);
    const schema: DataProduct['spec']['schema'] = {
      ...(keys.length ? { primaryKey: keys.map((k) => k.name) } : {}),
      columns: columns.map((c) => c.spec),
    };
    // Rules exported by Meshwork carry their position (id check_n): the checks come back in their order.
    const sorted = checks.map((c, seq) => ({ ...c, seq })).sort((a, b) => a.position - b.position || a.seq - b.seq);
    return { schema, columns, checks: sorted.map((c) => c.check) };
  }

  private column(prop: Obj, at: PathSegment[], taken: ReadonlySet<string>): ImportedColumn {
    const l = this.ledger;
    const sourceName = String(prop.name);
    let name = identifier(sourceName);
    while (taken.has(name)) name = `${name}_`;
    l.use(...at, 'name');
    if (name !== sourceName)
      this.note(
        'odcs-renamed',
        [...at, 'name'],
        `property "${sourceName}" becomes column ${name} (a lowercase SQL identifier)`,
        'info',
      );
    const type = meshTypeOf(prop.physicalType, prop.logicalType);
    l.use(...at, 'logicalType');
    l.use(...at, 'physicalType');
    if (type.approximate)
      this.note(
        'odcs-type',
        [...at, prop.physicalType !== undefined ? 'physicalType' : 'logicalType'],
        type.approximate,
      );
    const spec: ColumnSpec = { name, type: type.type };
    if (typeof prop.required === 'boolean') {
      Object.assign(spec, { nullable: !prop.required });
      l.use(...at, 'required');
    }
    if (str(prop.description)) {
      Object.assign(spec, { description: prop.description });
      l.use(...at, 'description');
    }
    if (typeof prop.classification === 'string') {
      const pii = piiOf(prop.classification);
      if (pii) {
        Object.assign(spec, { pii });
        l.use(...at, 'classification');
      } else
        l.explain(
          [...at, 'classification'],
          `classification ${JSON.stringify(prop.classification)} has no Meshwork PII class (none, indirect, direct, sensitive: public, internal, confidential, restricted); set pii on column ${name}`,
        );
    }
    const masking = this.custom(at, CUSTOM.masking);
    if (typeof masking === 'string') Object.assign(spec, { masking });
    const accepted = this.custom(at, CUSTOM.acceptedValues);
    if (Array.isArray(accepted)) Object.assign(spec, { acceptedValues: accepted });
    if (Array.isArray(prop.tags)) {
      if (prop.tags.length) Object.assign(spec, { tags: prop.tags.map(String) });
      l.use(...at, 'tags');
    }
    // Defaults say nothing: no information is lost by not carrying them.
    for (const [key, dflt] of [
      ['partitioned', false],
      ['partitionKeyPosition', -1],
      ['criticalDataElement', false],
      ['primaryKey', false],
      ['primaryKeyPosition', -1],
    ] as const)
      if (prop[key] === dflt) l.use(...at, key);
    const physical = str(prop.physicalName) ?? sourceName;
    if (str(prop.physicalName)) l.use(...at, 'physicalName');
    return { spec, source: sourceName, physical, path: at };
  }

  private rules(
    list: unknown,
    at: PathSegment[],
    scope: RuleScope,
    renames?: ReadonlyMap<string, string>,
  ): OrderedCheck[] {
    if (!Array.isArray(list)) return [];
    const checks: OrderedCheck[] = [];
    list.forEach((raw, i) => {
      if (!isObj(raw)) return;
      const rule = renameArguments(raw, renames);
      const result = importRule(rule, scope);
      for (const key of result.used) this.ledger.use(...at, i, key);
      for (const [key, why] of Object.entries(result.explained ?? {})) this.ledger.explain([...at, i, key], why);
      if (result.documentation) this.documentation.push(result.documentation);
      const position = typeof rule.id === 'string' ? /^check_(\d+)$/.exec(rule.id) : null;
      if (position) this.ledger.use(...at, i, 'id');
      if (result.check) checks.push({ check: result.check, position: position ? Number(position[1]) : Infinity });
      else if (!result.documentation)
        this.ledger.explain(
          [...at, i],
          `this quality rule has no Meshwork equivalent (metric ${JSON.stringify(rule.metric ?? rule.type)}); not carried over`,
        );
    });
    return checks;
  }

  // ---------------------------------------------------------------- inputs and transform

  private inputs(
    columns: ImportedColumn[],
    object: Obj,
    index: number,
  ): { inputs: InputSpec[]; transform?: { file?: string; sql: string }; serversUsed: Set<number>; server?: string } {
    const serversUsed = new Set<number>();
    const exact = this.custom([], CUSTOM.inputs);
    const transform = this.custom([], CUSTOM.transform);
    if (Array.isArray(exact) && exact.length) {
      if (!isObj(transform) || typeof transform.sql !== 'string') return { inputs: exact as InputSpec[], serversUsed };
      const file = transform.file === undefined ? undefined : (safeSqlFile(transform.file) ?? 'transform.sql');
      return { inputs: exact as InputSpec[], transform: { file, sql: transform.sql }, serversUsed };
    }
    const table = str(object.physicalName) ?? str(object.name) ?? 'data';
    if (str(object.physicalName)) this.ledger.use('schema', index, 'physicalName');
    // The schema object is the table the product reads: its name names the input.
    const inputName = identifier(String(object.name));
    this.ledger.use('schema', index, 'name');
    const servers = Array.isArray(this.doc.servers) ? this.doc.servers : [];
    const wanted = this.options.server;
    for (let i = 0; i < servers.length; i++) {
      const server = servers[i];
      if (!isObj(server) || this.custom(['servers', i], CUSTOM.port) !== undefined) continue;
      if (wanted !== undefined && server.server !== wanted) continue;
      const input = this.sourceFor(server, i, table, inputName, columns);
      if (input) {
        serversUsed.add(i);
        return {
          inputs: [input],
          transform: { file: 'transform.sql', sql: selectColumns(columns, input.name) },
          serversUsed,
          server: str(server.server) ?? `servers[${i}]`,
        };
      }
    }
    if (wanted !== undefined) this.unknownServer(wanted, servers);
    const envName = `${snake(table).toUpperCase()}_PATH`;
    this.note(
      'odcs-no-source',
      servers.length ? ['servers'] : [],
      `no server of the contract is one Meshwork reads (postgres, mysql, local csv/parquet/json); the input reads \${${envName}} (parquet) until you point it at the data`,
    );
    const input: InputSpec = { name: inputName, source: { type: 'file', path: `\${${envName}}`, format: 'parquet' } };
    return {
      inputs: [input],
      transform: { file: 'transform.sql', sql: selectColumns(columns, inputName) },
      serversUsed,
    };
  }

  private unknownServer(wanted: string, servers: unknown[]): void {
    const names = servers.filter(isObj).map((s) => String(s.server));
    this.diagnostics.push({
      code: 'odcs-server-unknown',
      severity: 'error',
      message: `the contract has no server ${JSON.stringify(wanted)} that Meshwork reads (postgres, mysql, local csv/parquet/json)`,
      location: this.source.locate(servers.length ? ['servers'] : []),
      path: 'servers',
      hint: names.length ? `its servers: ${names.join(', ')}` : 'the contract names no servers',
    });
  }

  private sourceFor(
    server: Obj,
    i: number,
    table: string,
    name: string,
    columns: ImportedColumn[],
  ): InputSpec | undefined {
    const l = this.ledger;
    const type = String(server.type);
    const env = `${identifier(String(server.server ?? 'source')).toUpperCase()}_DB_URI`;
    const physical = columns.map((c) => quote(c.physical)).join(', ');
    const used = (...keys: string[]) => keys.forEach((k) => server[k] !== undefined && l.use('servers', i, k));
    if (type === 'postgres' || type === 'postgresql' || type === 'mysql') {
      const qualified = [server.schema, table]
        .filter((p) => typeof p === 'string')
        .map((p) => quote(String(p), type === 'mysql' ? '`' : '"'));
      const cols = type === 'mysql' ? columns.map((c) => quote(c.physical, '`')).join(', ') : physical;
      this.sourceTable = qualified.join('.');
      used('server', 'type', 'schema');
      for (const k of ['port', 'database']) if (server[k] !== undefined) l.use('servers', i, k);
      l.explain(
        ['servers', i, 'host'],
        `the connection is \${${env}}: set it to the connection string of ${String(server.host)}:${String(server.port ?? '')}/${String(server.database ?? '')} (connections live in the environment, never in the descriptor)`,
      );
      return {
        name,
        source: {
          type: type === 'mysql' ? 'mysql' : 'postgres',
          connection: `\${${env}}`,
          query: `SELECT ${cols} FROM ${qualified.join('.')}`,
        },
      };
    }
    const format = String(server.format ?? '').toLowerCase();
    if (
      type === 'local' &&
      typeof server.path === 'string' &&
      (format === 'csv' || format === 'parquet' || format === 'json')
    ) {
      used('server', 'type', 'path', 'format');
      return { name, source: { type: 'file', path: server.path, format } };
    }
    return undefined;
  }

  // ---------------------------------------------------------------- ports, SLA, access

  private outputPorts(serversUsed: Set<number>): OutputPortSpec[] {
    const servers = Array.isArray(this.doc.servers) ? this.doc.servers : [];
    const ports: OutputPortSpec[] = [];
    servers.forEach((s, i) => {
      const port = this.custom(['servers', i], CUSTOM.port);
      if (isObj(port)) {
        ports.push(port as unknown as OutputPortSpec);
        this.ledger.use('servers', i);
      } else if (!serversUsed.has(i))
        this.ledger.explain(
          ['servers', i],
          `server ${JSON.stringify(isObj(s) ? s.server : i)} is not carried over: Meshwork reads one source and writes its own output ports`,
        );
    });
    return ports.length ? ports : [{ name: 'files', type: 'parquet' }];
  }

  private slaProperty(name: string): { value: string; at: number } | undefined {
    const list = Array.isArray(this.doc.slaProperties) ? this.doc.slaProperties : [];
    const at = list.findIndex((p) => isObj(p) && p.property === name);
    if (at < 0) return undefined;
    const p = list[at] as Obj;
    const duration = toDuration(p.value, p.unit);
    if (!duration) {
      this.ledger.explain(
        ['slaProperties', at],
        `SLA ${name} ${JSON.stringify(p.value)} ${String(p.unit ?? '')} is not a duration Meshwork reads`,
      );
      return undefined;
    }
    for (const key of ['property', 'value', 'unit', 'description'])
      if (p[key] !== undefined) this.ledger.use('slaProperties', at, key);
    if (p.element !== undefined)
      this.ledger.explain(
        ['slaProperties', at, 'element'],
        `SLA ${name} applies to the whole product in Meshwork; element ${JSON.stringify(p.element)} is not kept`,
      );
    return { value: duration, at };
  }

  private freshness(): Partial<DataProduct['spec']> {
    const latency = this.slaProperty('latency');
    if (!latency) return {};
    const alertAfter = this.custom([], CUSTOM.alertAfter);
    return {
      freshness: { target: latency.value, ...(typeof alertAfter === 'string' ? { alert_after: alertAfter } : {}) },
    };
  }

  private retention(): Partial<DataProduct['spec']> {
    const retention = this.slaProperty('retention');
    return retention ? { retention: retention.value } : {};
  }

  private sla(): Partial<DataProduct['spec']> {
    const sla: NonNullable<DataProduct['spec']['sla']> = {};
    const list = Array.isArray(this.doc.slaProperties) ? this.doc.slaProperties : [];
    const at = list.findIndex((p) => isObj(p) && p.property === 'availability');
    if (at >= 0) {
      const p = list[at] as Obj;
      const value = typeof p.value === 'number' ? p.value : Number(String(p.value).replace('%', ''));
      if (Number.isFinite(value) && (p.unit === undefined || p.unit === 'percent' || p.unit === '%')) {
        Object.assign(sla, { availability: `${value}%` });
        for (const key of ['property', 'value', 'unit', 'description'])
          if (p[key] !== undefined) this.ledger.use('slaProperties', at, key);
      }
    }
    const stability = this.custom([], CUSTOM.schemaStability);
    if (isObj(stability)) Object.assign(sla, { schemaStability: stability });
    return Object.keys(sla).length ? { sla } : {};
  }

  private schedule(): Partial<DataProduct['spec']> {
    const schedule = this.custom([], CUSTOM.schedule);
    return typeof schedule === 'string' ? { schedule } : {};
  }

  private access(): Partial<DataProduct['spec']> {
    const roles = Array.isArray(this.doc.roles) ? this.doc.roles : [];
    const allow: AccessRuleSpec[] = [];
    const pii: AccessRuleSpec[] = [];
    roles.forEach((r, i) => {
      if (!isObj(r)) return;
      const match = /^(team|user|domain):(.+)$/.exec(String(r.role));
      const kind = r.access === 'read' ? allow : r.access === 'read-pii' ? pii : undefined;
      if (!match || !kind) {
        this.ledger.explain(
          ['roles', i],
          `role ${JSON.stringify(r.role)} is not a Meshwork grant (team:…, user:… or domain:… with access read or read-pii); grant it with the access rules`,
        );
        return;
      }
      kind.push({ [match[1]]: match[2] });
      for (const key of ['role', 'access', 'description']) if (r[key] !== undefined) this.ledger.use('roles', i, key);
    });
    const dflt = this.custom([], CUSTOM.accessDefault);
    if (!allow.length && !pii.length && dflt === undefined) return {};
    return {
      access: {
        ...(dflt === 'deny' || dflt === 'allow' ? { default: dflt } : {}),
        ...(allow.length ? { allow } : {}),
        ...(pii.length ? { pii } : {}),
      },
    };
  }
}

interface OrderedCheck {
  readonly check: QualityCheckSpec;
  /** The check's position in the exporting descriptor (rule id check_n), Infinity when unknown. */
  readonly position: number;
}

interface ImportedColumn {
  readonly spec: ColumnSpec;
  /** The property name in the contract. */
  readonly source: string;
  /** The column name in the source (physicalName, or the property name). */
  readonly physical: string;
  readonly path: readonly PathSegment[];
}

const SPEC_ORDER = [
  'inputs',
  'transform',
  'schema',
  'quality',
  'freshness',
  'schedule',
  'retention',
  'outputPorts',
  'sla',
  'access',
];
function orderSpec(spec: DataProduct['spec']): DataProduct['spec'] {
  const out: Record<string, unknown> = {};
  for (const key of SPEC_ORDER) if ((spec as Obj)[key] !== undefined) out[key] = (spec as Obj)[key];
  return out as DataProduct['spec'];
}

function renameArguments(rule: Obj, renames: ReadonlyMap<string, string> | undefined): OdcsRule {
  if (!renames || !isObj(rule.arguments) || !Array.isArray(rule.arguments.properties)) return rule;
  return {
    ...rule,
    arguments: { ...rule.arguments, properties: rule.arguments.properties.map((p) => renames.get(String(p)) ?? p) },
  };
}

function selectColumns(columns: readonly ImportedColumn[], input: string): string {
  const list = columns.map((c) =>
    c.physical === c.spec.name ? quoteIfNeeded(c.spec.name) : `${quote(c.physical)} AS ${c.spec.name}`,
  );
  return `SELECT\n  ${list.join(',\n  ')}\nFROM ${input}\n`;
}

const UNIT_DAYS: Record<string, [number, string]> = {
  ms: [1, 'ms'],
  s: [1, 's'],
  sec: [1, 's'],
  second: [1, 's'],
  seconds: [1, 's'],
  m: [1, 'm'],
  min: [1, 'm'],
  minute: [1, 'm'],
  minutes: [1, 'm'],
  h: [1, 'h'],
  hr: [1, 'h'],
  hour: [1, 'h'],
  hours: [1, 'h'],
  d: [1, 'd'],
  day: [1, 'd'],
  days: [1, 'd'],
  w: [1, 'w'],
  week: [1, 'w'],
  weeks: [1, 'w'],
  month: [30, 'd'],
  months: [30, 'd'],
  mo: [30, 'd'],
  y: [365, 'd'],
  yr: [365, 'd'],
  year: [365, 'd'],
  years: [365, 'd'],
};

function toDuration(value: unknown, unit: unknown): string | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) return undefined;
  const u = UNIT_DAYS[String(unit ?? 'd').toLowerCase()];
  if (!u) return undefined;
  return `${Number((n * u[0]).toPrecision(12))}${u[1]}`;
}

function getAt(value: unknown, path: readonly PathSegment[]): unknown {
  let v = value;
  for (const p of path)
    v = v === null || typeof v !== 'object' ? undefined : (v as Record<string | number, unknown>)[p];
  return v;
}

function isEmail(v: unknown): boolean {
  return typeof v === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v);
}

/** A kebab-case product or domain name from free text (`My Quantum` → `my-quantum`). */
export function kebab(text: string): string {
  const k = text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^[0-9-]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return k || 'imported';
}

function snake(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** A column identifier (`UniqueID` → `unique_id`, `1st` → `_1st`). */
function identifier(text: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(text) && text.length <= 63) return text;
  let s =
    snake(text)
      .replace(/([A-Z])/g, '_$1')
      .slice(0, 63) || 'column';
  if (/^[0-9]/.test(s)) s = `_${s}`.slice(0, 63);
  return s;
}

function quote(name: string, q = '"'): string {
  return `${q}${name.split(q).join(q + q)}${q}`;
}

function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : quote(name);
}

function safeSqlFile(file: unknown): string | undefined {
  return typeof file === 'string' && /^[A-Za-z0-9_.-]+\.sql$/.test(file) && !file.startsWith('.') ? file : undefined;
}
