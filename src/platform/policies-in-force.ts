/**
 * The policy engine in force on a platform: built-in rules, the policy sets from files
 * (MESH_POLICIES or the nearest policies/ folder, as loaded by the shell) and the policy sets
 * stored in the registry (applied through the API by the governance role).
 *
 * The engine is rebuilt only when the stored sets changed: every change appends a
 * `policy-set.*` event in its transaction, so the newest such event id says whether the
 * engine is current. That id is asked at most once per `recheckMs` (a server's replicas pick
 * up another replica's change within that time); a change made through this object
 * (`invalidate`) is in force for the very next check. Unchanged stored sets keep their
 * compiled CEL across rebuilds.
 */
import { hasErrors, type Diagnostic } from '../core/diagnostic.js';
import { InputError } from '../core/errors.js';
import { loadPolicySetSource, type LoadedPolicySet, type PolicyLoad } from '../governance/load-policy-sets.js';
import { PolicyEngine } from '../governance/policy-engine.js';
import { latestPolicyEventId } from '../registry/operations/policies/latest-policy-event.js';
import { listPolicySets, type StoredPolicySet } from '../registry/operations/policies/list-policy-sets.js';
import type { Registry } from '../registry/registry.js';
import { parseYamlText } from '../descriptor/yaml-source.js';

/** How a stored set is named in diagnostics and `source` fields: it has no file on any machine. */
export const storedSetLabel = (name: string): string => `registry:${name}`;

export class PoliciesInForce {
  readonly #files: PolicyEngine;
  readonly #recheckMs: number;
  #engine?: PolicyEngine;
  #stored: StoredPolicySet[] = [];
  #marker = -1;
  #checkedAt = 0;
  #refreshing?: Promise<PolicyEngine>;
  /** Compiled stored sets by name@hash, so a rebuild only compiles what changed. */
  #compiled = new Map<string, { set?: LoadedPolicySet; diagnostics: Diagnostic[] }>();

  /** `files`: the engine over built-in rules and the policy files (what the shell loaded). */
  constructor(files: PolicyEngine = new PolicyEngine(), options: { recheckMs?: number } = {}) {
    this.#files = files;
    this.#recheckMs = options.recheckMs ?? 1000;
  }

  get files(): PolicyLoad {
    return this.#files.load;
  }

  /** Without a registry (a lone `mesh validate` that must not create one): files and built-ins only. */
  filesOnly(): PolicyEngine {
    return this.#files;
  }

  /** The stored sets the current engine was built from (after `engine()`). */
  stored(): readonly StoredPolicySet[] {
    return this.#stored;
  }

  invalidate(): void {
    this.#checkedAt = 0;
    this.#marker = -1;
  }

  async engine(registry: Registry): Promise<PolicyEngine> {
    if (this.#engine && Date.now() - this.#checkedAt < this.#recheckMs) return this.#engine;
    this.#refreshing ??= this.#refresh(registry).finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refresh(registry: Registry): Promise<PolicyEngine> {
    const checkedAt = Date.now();
    // The marker is read before the sets: a change committed in between is seen on the next check.
    const marker = await latestPolicyEventId(registry);
    if (this.#engine && marker === this.#marker) {
      this.#checkedAt = checkedAt;
      return this.#engine;
    }
    const stored = await listPolicySets(registry);
    const engine = this.build(stored);
    // Keep compiled sets only for what is stored now, so replaced versions do not pile up.
    const current = new Set(stored.map((s) => `${s.name}@${s.contentHash}`));
    for (const key of this.#compiled.keys()) if (!current.has(key)) this.#compiled.delete(key);
    this.#engine = engine;
    this.#stored = stored;
    this.#marker = marker;
    this.#checkedAt = checkedAt;
    return engine;
  }

  /** An engine over the files plus these stored sets (in name order, after the files). */
  build(stored: readonly StoredPolicySet[], candidate?: { name: string; loaded: LoadedPolicySet }): PolicyEngine {
    const sets: LoadedPolicySet[] = [...this.#files.load.sets];
    const diagnostics: Diagnostic[] = [...this.#files.load.diagnostics];
    const names = new Set(stored.map((s) => s.name));
    if (candidate) names.add(candidate.name);
    for (const name of [...names].sort()) {
      if (candidate?.name === name) {
        sets.push(candidate.loaded);
        continue;
      }
      const loaded = this.#load(stored.find((s) => s.name === name)!);
      diagnostics.push(...loaded.diagnostics);
      if (loaded.set) sets.push(loaded.set);
    }
    return new PolicyEngine({ folder: this.#files.load.folder, sets, diagnostics });
  }

  #load(set: StoredPolicySet): { set?: LoadedPolicySet; diagnostics: Diagnostic[] } {
    const key = `${set.name}@${set.contentHash}`;
    let loaded = this.#compiled.get(key);
    if (!loaded) {
      loaded = loadPolicySetSource(parseYamlText(storedSetLabel(set.name), Buffer.from(set.yaml, 'utf8')));
      this.#compiled.set(key, loaded);
    }
    return loaded;
  }

  /**
   * Checks a policy set document before it is stored: its own structure and rules, then how it
   * combines with every other set in force (duplicate ids, a domain weakening a global rule).
   * Any error refuses it, located in the caller's file; warnings come back with the set.
   */
  async vet(
    registry: Registry,
    document: { file: string; yaml: string },
    expectedName?: string,
  ): Promise<{ set: LoadedPolicySet; warnings: Diagnostic[] }> {
    const own = loadPolicySetSource(parseYamlText(document.file, Buffer.from(document.yaml, 'utf8')));
    const refuse = (diagnostics: Diagnostic[]) => {
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      return new InputError(
        `${document.file}: the policy set has ${errors} error${errors === 1 ? '' : 's'}; nothing was applied`,
        { details: { diagnostics } },
      );
    };
    if (!own.set || hasErrors(own.diagnostics)) throw refuse(own.diagnostics);
    const set = own.set;
    if (expectedName !== undefined && set.name !== expectedName) {
      throw new InputError(`${document.file} defines policy set ${set.name}, not ${expectedName}`, {
        details: { hint: "the name in the URL must be the document's metadata.name" },
      });
    }
    const fromFile = this.#files.load.sets.find((s) => s.name === set.name);
    if (fromFile) {
      throw new InputError(
        `policy set ${set.name} is already defined by the file ${fromFile.file} where the platform runs`,
        { details: { hint: 'give the stored set another metadata.name, or change that file instead' } },
      );
    }
    const engine = this.build(await listPolicySets(registry), { name: set.name, loaded: set });
    const combined = engine.loadDiagnostics.filter((d) => d.source === document.file);
    if (hasErrors(combined)) throw refuse([...own.diagnostics, ...combined]);
    return { set, warnings: [...own.diagnostics, ...combined] };
  }
}
