/**
 * An ODPS data product (v1.0.0; v0.9.0 read the same way) as a Meshwork product skeleton:
 * metadata, owner and on-call, an input per input port (a product input when the port names a
 * Meshwork contract, a placeholder file input otherwise), the output ports. ODPS describes no
 * columns, so the schema is a one-column placeholder, said so in a warning: the columns come
 * from the output port's contract (`mesh import odcs`). Every field not carried over is a
 * located `odps-unmapped` warning.
 */
import semver from 'semver';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { DataProduct, InputSpec, OutputPortSpec } from '../../descriptor/data-product-schema.js';
import type { PathSegment, YamlSource } from '../../descriptor/yaml-source.js';
import { FieldLedger } from '../field-ledger.js';
import { kebab } from '../odcs/import-odcs.js';
import { validateAgainstStandard } from '../standard-schema.js';
import { productDocumentId, sourceContractId } from './export-odps.js';

export interface OdpsImport {
  readonly product?: DataProduct;
  readonly transform?: { readonly file: string; readonly sql: string };
  readonly diagnostics: Diagnostic[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const MESH_CONTRACT = /^meshwork:([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\/([a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/;

export function importOdps(
  source: YamlSource,
  options: { domain?: string; name?: string; owner?: string } = {},
): OdpsImport {
  if (source.diagnostics.some((d) => d.severity === 'error') || source.value === undefined)
    return { diagnostics: source.diagnostics };
  const doc = source.value;
  const error = (code: string, path: PathSegment[], message: string): OdpsImport => ({
    diagnostics: [{ code, severity: 'error', message, location: source.locate(path), path: path.join('.') }],
  });
  if (!isObj(doc)) return error('odps-not-a-product', [], 'the file is YAML but not an ODPS data product');
  if (doc.apiVersion !== 'v1.0.0' && doc.apiVersion !== 'v0.9.0')
    return error(
      'odps-api-version',
      ['apiVersion'],
      `unsupported ODPS apiVersion ${JSON.stringify(doc.apiVersion)}; Meshwork reads v1.0.0 (and v0.9.0)`,
    );
  const invalid = validateAgainstStandard('odps', source, 'odps-schema');
  if (invalid.length) return { diagnostics: invalid };
  return new OdpsReader(source, doc, options).read();
}

class OdpsReader {
  private readonly ledger: FieldLedger;
  private readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly source: YamlSource,
    private readonly doc: Obj,
    private readonly options: { domain?: string; name?: string; owner?: string },
  ) {
    this.ledger = new FieldLedger(source, 'odps-unmapped');
  }

  read(): OdpsImport {
    const l = this.ledger;
    const doc = this.doc;
    for (const key of ['apiVersion', 'kind']) l.use(key);
    const name = kebab(this.options.name ?? String(doc.name ?? 'imported'));
    if (doc.name !== undefined) l.use('name');
    const domain = kebab(this.options.domain ?? String(doc.domain ?? 'imported'));
    if (doc.domain !== undefined) l.use('domain');
    if (doc.id === productDocumentId(domain, name)) l.use('id');
    if (doc.status === 'active' || doc.status === 'draft') l.use('status');
    const version = semver.valid(semver.coerce(String(doc.version ?? '1.0.0'))) ?? '1.0.0';
    if (doc.version !== undefined) l.use('version');
    const metadata: DataProduct['metadata'] = { name, domain, version, owner: this.owner() };
    const oncall = this.oncall();
    if (oncall) Object.assign(metadata, { oncall });
    const custom = Array.isArray(doc.customProperties) ? doc.customProperties : [];
    const titleAt = custom.findIndex((c) => isObj(c) && c.property === 'meshworkTitle' && typeof c.value === 'string');
    if (titleAt >= 0) {
      Object.assign(metadata, { title: (custom[titleAt] as Obj).value });
      l.use('customProperties', titleAt);
    }
    const description = isObj(doc.description) ? doc.description.purpose : undefined;
    if (typeof description === 'string') {
      Object.assign(metadata, { description });
      l.use('description', 'purpose');
    }
    if (Array.isArray(doc.tags)) {
      if (doc.tags.length) Object.assign(metadata, { tags: doc.tags.map(String) });
      l.use('tags');
    }
    const inputs = this.inputs(domain, name);
    const outputPorts = this.outputPorts();
    this.diagnostics.push({
      code: 'odps-skeleton',
      severity: 'warn',
      message:
        'ODPS describes no columns: the schema is a one-column placeholder; import the output contract (mesh import odcs) or write the columns',
      location: this.source.locate(Array.isArray(doc.outputPorts) ? ['outputPorts'] : []),
      path: 'outputPorts',
    });
    l.use('managementPorts');
    const product: DataProduct = {
      apiVersion: 'mesh/v1',
      kind: 'DataProduct',
      metadata,
      spec: {
        inputs,
        transform: 'transform.sql',
        schema: { columns: [{ name: 'id', type: 'varchar', description: 'placeholder: replace with the columns' }] },
        outputPorts,
      },
    };
    this.diagnostics.push(...l.unmapped('a Meshwork product'));
    return {
      product,
      transform: {
        file: 'transform.sql',
        sql: `-- placeholder: select the product's columns\nSELECT * FROM ${inputs[0].name}\n`,
      },
      diagnostics: this.diagnostics,
    };
  }

  private owner(): string {
    if (this.options.owner) return this.options.owner;
    const team = this.doc.team;
    const members = isObj(team) && Array.isArray(team.members) ? team.members : [];
    const at = members.findIndex(
      (m) => isObj(m) && /owner/i.test(String(m.role ?? '')) && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(String(m.username)),
    );
    if (at >= 0) {
      this.ledger.use('team', 'members', at, 'username');
      this.ledger.use('team', 'members', at, 'role');
      if (isObj(team) && team.name === (members[at] as Obj).username) this.ledger.use('team', 'name');
      return String((members[at] as Obj).username);
    }
    this.diagnostics.push({
      code: 'odps-no-owner',
      severity: 'warn',
      message:
        'the product names no owner e-mail (a team member with role owner); owned by owner@example.com until you set it',
      location: this.source.locate(isObj(team) ? ['team'] : []),
      path: 'team',
    });
    return 'owner@example.com';
  }

  private oncall(): string | undefined {
    const support = Array.isArray(this.doc.support) ? this.doc.support : [];
    const at = support.findIndex((s) => isObj(s) && typeof s.url === 'string' && /^mailto:\S+@\S+$/.test(s.url));
    if (at < 0) return undefined;
    const item = support[at] as Obj;
    for (const key of ['url', 'channel', 'tool', 'scope'])
      if (item[key] !== undefined) this.ledger.use('support', at, key);
    return String(item.url).slice('mailto:'.length);
  }

  private inputs(domain: string, name: string): InputSpec[] {
    const ports = Array.isArray(this.doc.inputPorts) ? this.doc.inputPorts : [];
    const inputs: InputSpec[] = [];
    const taken = new Set<string>();
    ports.forEach((p, i) => {
      if (!isObj(p)) return;
      const at: PathSegment[] = ['inputPorts', i];
      const major = semver.coerce(String(p.version))?.major ?? 1;
      let inputName =
        String(p.name)
          .toLowerCase()
          .replace(/[^a-z0-9_]+/g, '_')
          .replace(/^[^a-z_]+/, '') || 'input';
      if (taken.has(inputName)) inputName = `${inputName}_v${major}`;
      while (taken.has(inputName)) inputName = `${inputName}_`;
      taken.add(inputName);
      for (const key of ['name', 'version', 'contractId']) this.ledger.use(...at, key);
      const mesh = MESH_CONTRACT.exec(String(p.contractId));
      const custom = Array.isArray(p.customProperties) ? p.customProperties : [];
      const sourceAt = custom.findIndex((c) => isObj(c) && c.property === 'meshworkSource');
      const productAt = custom.findIndex((c) => isObj(c) && c.property === 'meshworkProduct');
      if (productAt >= 0) this.ledger.use(...at, 'customProperties', productAt);
      if (mesh) {
        inputs.push({ name: inputName, product: `${mesh[1]}/${mesh[2]}@${major}` });
        return;
      }
      if (sourceAt >= 0) this.ledger.use(...at, 'customProperties', sourceAt);
      const env = `${inputName.toUpperCase()}_PATH`;
      if (p.contractId !== sourceContractId(domain, name, String(p.name)))
        this.diagnostics.push({
          code: 'odps-input',
          severity: 'warn',
          message: `input port ${JSON.stringify(p.name)} reads contract ${JSON.stringify(p.contractId)}, which is no Meshwork product: the input reads \${${env}} (parquet) until you point it at the data`,
          location: this.source.locate([...at, 'contractId']),
          path: `inputPorts[${i}].contractId`,
        });
      inputs.push({ name: inputName, source: { type: 'file', path: `\${${env}}`, format: 'parquet' } });
    });
    if (inputs.length === 0) {
      this.diagnostics.push({
        code: 'odps-input',
        severity: 'warn',
        message:
          'the product has no input port; the input reads ${SOURCE_PATH} (parquet) until you point it at the data',
        location: { file: this.source.file, line: 1, col: 1 },
      });
      inputs.push({ name: 'source', source: { type: 'file', path: '${SOURCE_PATH}', format: 'parquet' } });
    }
    return inputs;
  }

  private outputPorts(): OutputPortSpec[] {
    const ports = Array.isArray(this.doc.outputPorts) ? this.doc.outputPorts : [];
    const out: OutputPortSpec[] = [];
    const names = new Set<string>();
    ports.forEach((p, i) => {
      if (!isObj(p)) return;
      const at: PathSegment[] = ['outputPorts', i];
      const custom = Array.isArray(p.customProperties) ? p.customProperties : [];
      const exact = custom.findIndex((c) => isObj(c) && c.property === 'meshworkPort' && isObj(c.value));
      if (exact >= 0) {
        out.push((custom[exact] as Obj).value as OutputPortSpec);
        this.ledger.use(...at);
        return;
      }
      const name =
        String(p.name)
          .toLowerCase()
          .replace(/[^a-z0-9_]+/g, '_')
          .replace(/^[^a-z_]+/, '') || 'files';
      this.ledger.use(...at, 'name');
      if (names.has(name)) {
        this.ledger.explain(
          at,
          `output port ${JSON.stringify(p.name)} ${String(p.version ?? '')} is another version of a port already imported; a Meshwork product version has one of each`,
        );
        return;
      }
      names.add(name);
      out.push({ name, type: 'parquet', ...(typeof p.description === 'string' ? { description: p.description } : {}) });
      if (p.description !== undefined) this.ledger.use(...at, 'description');
      this.ledger.explain(
        [...at, 'type'],
        `port type ${JSON.stringify(p.type)} becomes a parquet port (Meshwork ports: parquet, stream, postgres)`,
      );
      for (const key of ['version', 'contractId', 'inputContracts'])
        if (p[key] !== undefined) this.ledger.use(...at, key);
    });
    return out.length ? out : [{ name: 'files', type: 'parquet' }];
  }
}
