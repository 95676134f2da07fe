/**
 * The seam where governance plugs into validate and publish: given a product (and what was
 * published before, for change rules, compatibility and version bumps), return findings as
 * diagnostics. Policies as code live behind this interface (policy-engine.ts).
 */
import type { Diagnostic } from '../core/diagnostic.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import type { YamlSource } from '../descriptor/yaml-source.js';

/** A published version as governance needs it: enough to compare schemas and bumps. */
export interface PublishedVersion {
  readonly version: string;
  readonly status: string;
  readonly descriptor: DataProduct;
}

export interface GovernanceContext {
  readonly product: DataProduct;
  readonly source: YamlSource;
  /** The newest published version of the same product, if any. */
  readonly previous?: DataProduct;
  /**
   * Every published version of the product (any order). When given, compatibility and
   * version-bump checks run against them; `previous` for change rules becomes the version
   * the new one is compared with.
   */
  readonly versions?: readonly PublishedVersion[];
  readonly now: Date;
}

export interface Governance {
  check(context: GovernanceContext): Promise<Diagnostic[]> | Diagnostic[];
  /** Problems in the policies themselves (a broken rule is not applied); shown once per command. */
  readonly loadDiagnostics?: readonly Diagnostic[];
}

export const noGovernance: Governance = { check: () => [] };
