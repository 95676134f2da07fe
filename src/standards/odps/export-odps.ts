/**
 * A Meshwork product as an ODPS v1.0.0 data product: input ports linked to the contracts of
 * the products they read (a source input has no contract of its own: it is named after the
 * product and input), output ports with the product's own ODCS contract, management ports
 * (the catalog entry and the contract on the API), support (on-call) and team (owner).
 */
import type { DataProduct, InputSpec } from '../../descriptor/data-product-schema.js';
import { parseProductRef } from '../../descriptor/product-ref.js';
import { contractId } from '../odcs/export-odcs.js';

export const ODPS_API_VERSION = 'v1.0.0';

export interface OdpsExportInput {
  readonly descriptor: DataProduct;
  readonly status?: string;
  /** The published version each product input (`domain/name@major`) resolves to, when known. */
  readonly inputVersions?: ReadonlyMap<string, string>;
  /** The server's base URL (management ports carry URLs only when it is known). */
  readonly baseUrl?: string;
}

export type OdpsProduct = Record<string, unknown>;

export function productDocumentId(domain: string, name: string): string {
  return `meshwork:product:${domain}/${name}`;
}

export function sourceContractId(domain: string, name: string, input: string): string {
  return `meshwork:${domain}/${name}/inputs/${input}`;
}

export function exportOdps(input: OdpsExportInput): OdpsProduct {
  const { metadata: m, spec } = input.descriptor;
  const inputs = spec.inputs.map((i) => inputPort(input, i));
  const doc: OdpsProduct = {
    apiVersion: ODPS_API_VERSION,
    kind: 'DataProduct',
    id: productDocumentId(m.domain, m.name),
    name: m.name,
    version: m.version,
    status: input.status ?? 'active',
    domain: m.domain,
  };
  if (m.description) doc.description = { purpose: m.description };
  if (m.tags?.length) doc.tags = [...m.tags];
  doc.inputPorts = inputs;
  doc.outputPorts = spec.outputPorts.map((port) => ({
    name: port.name,
    ...(port.description ? { description: port.description } : {}),
    type: port.type,
    version: m.version,
    contractId: contractId(m.domain, m.name),
    inputContracts: inputs.map((p) => ({ id: p.contractId, version: p.version })),
    customProperties: [{ property: 'meshworkPort', value: { ...port } }],
  }));
  doc.managementPorts = managementPorts(input);
  if (m.oncall) doc.support = [{ channel: 'oncall', tool: 'email', scope: 'issues', url: `mailto:${m.oncall}` }];
  doc.team = { name: m.owner, members: [{ username: m.owner, role: 'owner' }] };
  if (m.title) doc.customProperties = [{ property: 'meshworkTitle', value: m.title }];
  return doc;
}

function inputPort(
  input: OdpsExportInput,
  i: InputSpec,
): { name: string; version: string; contractId: string; customProperties?: unknown[] } {
  const m = input.descriptor.metadata;
  if (i.product) {
    const ref = parseProductRef(i.product);
    const version = input.inputVersions?.get(i.product) ?? `${ref?.major ?? 1}.0.0`;
    return {
      name: i.name,
      version,
      contractId: ref ? contractId(ref.domain, ref.name) : i.product,
      customProperties: [{ property: 'meshworkProduct', value: i.product }],
    };
  }
  const source = i.source ? { type: i.source.type, ...(i.source.format ? { format: i.source.format } : {}) } : {};
  return {
    name: i.name,
    version: m.version,
    contractId: sourceContractId(m.domain, m.name, i.name),
    customProperties: [{ property: 'meshworkSource', value: source }],
  };
}

function managementPorts(input: OdpsExportInput): Record<string, unknown>[] {
  const { domain, name } = input.descriptor.metadata;
  const base = input.baseUrl?.replace(/\/+$/, '');
  const url = (path: string) => (base ? { url: `${base}${path}` } : {});
  return [
    {
      name: 'catalog',
      content: 'discoverability',
      type: 'rest',
      ...url(`/v1/products/${domain}/${name}`),
      description: `the catalog entry: mesh show ${domain}/${name}`,
    },
    {
      name: 'contract',
      content: 'dictionary',
      type: 'rest',
      ...url(`/v1/products/${domain}/${name}/odcs`),
      description: `the ODCS data contract: mesh export odcs ${domain}/${name}`,
    },
    {
      name: 'runs',
      content: 'observability',
      type: 'rest',
      ...url(`/v1/products/${domain}/${name}/runs`),
      description: `runs and checks: mesh runs ${domain}/${name}`,
    },
  ];
}
