/**
 * The policy engine: resolves which rules are in force for a product (built-in defaults,
 * then global policy sets, then the product's domain sets, which may add and tighten but
 * never weaken a global error-level rule) and runs them. Resolution happens once at load
 * and once per domain (memoised); a check is then a loop of pure functions and planned CEL
 * programs over the descriptor, so it takes microseconds per rule.
 */
import type { Diagnostic, Severity } from '../core/diagnostic.js';
import { didYouMean } from '../core/did-you-mean.js';
import type { PathSegment } from '../descriptor/yaml-source.js';
import {
  atLeastAsStrict,
  BUILTIN_RULES,
  BUILTIN_RULES_BY_ID,
  type BuiltinRule,
  type Finding,
} from './builtin-rules.js';
import { prepareEvaluation, type CompiledCelRule, type PreparedEvaluation } from './cel-rules.js';
import type { Governance, GovernanceContext } from './governance.js';
import { formatPath, loadPolicySets, parsePath, type LoadedRule, type PolicyLoad } from './load-policy-sets.js';
import type { RuleSelectorSpec, RuleSeverity } from './policy-set-schema.js';
import { checkVersioning } from './version-bump.js';

export const BUILTIN_SOURCE = 'built-in';
export const GLOBAL_SCOPE = 'global';

export interface RuleInForce {
  readonly id: string;
  readonly kind: 'built-in' | 'cel';
  readonly title: string;
  readonly rationale?: string;
  readonly severity: RuleSeverity;
  readonly enabled: boolean;
  readonly params: Readonly<Record<string, unknown>>;
  readonly selector?: RuleSelectorSpec;
  readonly enforceFrom?: string;
  /** The policy set the rule's effective configuration comes from (or `built-in`). */
  readonly source: string;
  /** Where that set lives (file), when it is a file. */
  readonly sourceFile?: string;
  /** `global` or the domain whose policy set added or last configured it. */
  readonly scope: string;
  /** Every layer that touched the rule, in order: built-in, global sets, domain sets. */
  readonly configuredBy: readonly string[];
  /** The global and the domain policy set that configured it, to catch two sets configuring one rule. */
  readonly globalSet?: string;
  readonly domainSet?: string;
  readonly message?: string;
  readonly hint?: string;
  readonly path?: string;
  readonly expression?: string;
  readonly builtin?: BuiltinRule;
  readonly cel?: CompiledCelRule;
}

type RuleMap = Map<string, RuleInForce>;

export class PolicyEngine implements Governance {
  readonly load: PolicyLoad;
  /** Problems in the policy files and their combination (duplicates, weakening attempts). */
  readonly loadDiagnostics: Diagnostic[];
  readonly #global: RuleMap;
  readonly #byDomain = new Map<string, RuleMap>();

  constructor(load: PolicyLoad = { sets: [], diagnostics: [] }) {
    this.load = load;
    this.loadDiagnostics = [...load.diagnostics];
    this.#global = new Map(BUILTIN_RULES.map((rule) => [rule.id, builtinDefault(rule)]));
    for (const set of load.sets.filter((s) => s.scope === GLOBAL_SCOPE)) {
      for (const rule of set.rules) this.#apply(this.#global, rule, false);
    }
    // Domain overlays are resolved eagerly so that their mistakes show at load, not on first use.
    for (const domain of new Set(load.sets.filter((s) => s.scope !== GLOBAL_SCOPE).map((s) => s.scope)))
      this.#domainRules(domain);
  }

  /** The rules every product is held to: built-in defaults as configured by the global sets. */
  globalRules(): RuleInForce[] {
    return [...this.#global.values()];
  }

  /** The rules in force for a domain (all of them, selectors not yet applied). */
  rulesFor(domain: string): RuleInForce[] {
    return [...this.#domainRules(domain).values()];
  }

  /** The rules that apply to one product: its domain's rules whose selector matches it. */
  rulesForProduct(product: { metadata: { domain: string; tags?: string[] } }): RuleInForce[] {
    return this.rulesFor(product.metadata.domain).filter(
      (r) => r.enabled && selects(r.selector, product.metadata.domain, product.metadata.tags ?? []),
    );
  }

  check(context: GovernanceContext): Diagnostic[] {
    const { product, source, now } = context;
    const diagnostics: Diagnostic[] = [];
    const versioning = context.versions
      ? checkVersioning({ product, source, versions: context.versions, now })
      : undefined;
    if (versioning) diagnostics.push(...versioning.diagnostics);
    const previous = versioning?.previous ?? context.previous ?? null;
    let prepared: PreparedEvaluation | undefined;
    for (const rule of this.rulesForProduct(product)) {
      const { severity, note } = effectiveSeverity(rule, now);
      const emit = (finding: Finding, sev: Severity = severity, suffix = note) =>
        diagnostics.push({
          code: rule.id,
          severity: sev,
          message: `${finding.message}${suffix}`,
          location: source.locate(finding.path),
          path: formatPath(finding.path) || undefined,
          hint: finding.hint,
          source: rule.sourceFile ? `${rule.source} (${rule.sourceFile})` : rule.source,
        });
      if (rule.builtin) {
        let findings: Finding[];
        try {
          findings = rule.builtin.check(product, rule.params);
        } catch (error) {
          // A rule must never crash a check nor pass silently: its own failure is an error.
          emit(
            {
              path: [],
              message: `rule ${rule.id} failed on this product: ${error instanceof Error ? error.message : String(error)}`,
            },
            'error',
            '',
          );
          continue;
        }
        for (const finding of findings) emit(finding);
        continue;
      }
      if (!rule.cel) continue;
      const path: PathSegment[] = rule.path ? parsePath(rule.path) : [];
      prepared ??= prepareEvaluation(product, previous);
      const outcome = rule.cel.evaluate(product, previous, prepared);
      if (!outcome.ok) {
        emit(
          {
            path,
            message: `rule ${rule.id} could not be checked: ${outcome.error}`,
            hint: 'the rule is counted as failed; its owner should guard optional fields with has(...) or simplify it',
          },
          'error',
          '',
        );
      } else if (!outcome.value) {
        emit({ path, message: rule.message ?? `the product does not satisfy rule ${rule.id}`, hint: rule.hint });
      }
    }
    return diagnostics;
  }

  #domainRules(domain: string): RuleMap {
    let rules = this.#byDomain.get(domain);
    if (rules) return rules;
    const sets = this.load.sets.filter((s) => s.scope === domain);
    // Most domains have no sets of their own: they share the global map instead of a copy each.
    if (sets.length === 0) return this.#global;
    rules = new Map(this.#global);
    for (const set of sets) {
      for (const rule of set.rules) this.#apply(rules, rule, true);
    }
    this.#byDomain.set(domain, rules);
    return rules;
  }

  #apply(rules: RuleMap, loaded: LoadedRule, domainLevel: boolean): void {
    const { spec, set } = loaded;
    const source = set.source;
    const base: PathSegment[] = ['spec', 'rules', loaded.index];
    const report = (code: string, path: PathSegment[], message: string, hint?: string) =>
      this.loadDiagnostics.push({
        code,
        severity: 'error',
        message,
        hint,
        location: source.locate(path),
        path: formatPath(path),
        source: set.file,
      });
    const existing = rules.get(spec.id);
    const label = `${set.name}`;
    if (loaded.cel) {
      if (existing) {
        report(
          'duplicate-rule-id',
          [...base, 'id'],
          `rule id ${spec.id} is already defined by ${existing.source}${existing.sourceFile ? ` (${existing.sourceFile})` : ''}; this one is ignored`,
          'rule ids are unique across every policy set: rename one of them',
        );
        return;
      }
      rules.set(spec.id, {
        id: spec.id,
        kind: 'cel',
        title: spec.message ?? spec.id,
        rationale: spec.rationale,
        severity: spec.severity ?? 'error',
        enabled: spec.enabled ?? true,
        params: {},
        selector: spec.selector,
        enforceFrom: spec.enforceFrom,
        source: label,
        sourceFile: set.file,
        scope: set.scope,
        configuredBy: [label],
        ...(domainLevel ? { domainSet: label } : { globalSet: label }),
        message: spec.message,
        hint: spec.hint,
        path: spec.path,
        expression: spec.cel,
        cel: loaded.cel,
      });
      return;
    }
    if (!existing) {
      const guess = didYouMean(spec.id, rules.keys());
      report(
        'unknown-rule',
        [...base, 'id'],
        `unknown rule id "${spec.id}": not a built-in rule, not defined by a ${domainLevel ? 'global or domain' : 'global'} policy set, and it has no cel expression`,
        guess
          ? `did you mean ${guess}?`
          : `built-in rules: ${[...BUILTIN_RULES_BY_ID.keys()].join(', ')}; or add cel: <expression> to define a custom rule`,
      );
      return;
    }
    const configuredHere = domainLevel ? existing.domainSet : existing.globalSet;
    if (configuredHere !== undefined && configuredHere !== label) {
      report(
        'duplicate-rule-id',
        [...base, 'id'],
        `rule ${spec.id} is also configured by policy set ${existing.source}${existing.sourceFile ? ` (${existing.sourceFile})` : ''}; this configuration is ignored`,
        'configure each rule in one policy set per scope',
      );
      return;
    }
    // Only a domain's attempt to loosen a global error-level rule is refused; tightening is welcome.
    const guarded = domainLevel && existing.severity === 'error' && existing.scope === GLOBAL_SCOPE;
    let severity = spec.severity ?? existing.severity;
    let enabled = spec.enabled ?? existing.enabled;
    let enforceFrom = spec.enforceFrom ?? existing.enforceFrom;
    let selector = spec.selector ?? existing.selector;
    const params: Record<string, unknown> = { ...existing.params };
    const weakens = (path: PathSegment[], what: string) =>
      report(
        'policy-weakens-global',
        path,
        `domain policy set ${set.name} tries to ${what} global error-level rule ${spec.id}; the global setting stays in force`,
        'a domain may add rules and tighten global ones, never weaken them: ask the governance team',
      );
    if (guarded && severity !== 'error') {
      weakens([...base, 'severity'], `lower the severity (to ${severity}) of`);
      severity = 'error';
    }
    if (guarded && !enabled) {
      weakens([...base, 'enabled'], 'turn off');
      enabled = true;
    }
    if (guarded && spec.enforceFrom && (!existing.enforceFrom || spec.enforceFrom > existing.enforceFrom)) {
      weakens([...base, 'enforceFrom'], `postpone enforcement (to ${spec.enforceFrom}) of`);
      enforceFrom = existing.enforceFrom;
    }
    if (guarded && spec.selector) {
      weakens([...base, 'selector'], 'narrow the selector of');
      selector = existing.selector;
    }
    for (const [name, value] of Object.entries(spec.params ?? {})) {
      if (guarded && !atLeastAsStrict(existing.builtin?.strictness[name], existing.params[name], value)) {
        weakens([...base, 'params', name], `relax params.${name} of`);
        continue;
      }
      params[name] = value;
    }
    rules.set(spec.id, {
      ...existing,
      severity,
      enabled,
      enforceFrom,
      selector,
      params,
      source: label,
      sourceFile: set.file,
      scope: domainLevel ? set.scope : existing.scope,
      configuredBy: [...existing.configuredBy, label],
      ...(domainLevel ? { domainSet: label } : { globalSet: label }),
    });
  }
}

function builtinDefault(rule: BuiltinRule): RuleInForce {
  return {
    id: rule.id,
    kind: 'built-in',
    title: rule.title,
    rationale: rule.rationale,
    severity: rule.severity,
    enabled: true,
    params: rule.defaults,
    source: BUILTIN_SOURCE,
    scope: GLOBAL_SCOPE,
    configuredBy: [BUILTIN_SOURCE],
    builtin: rule,
  };
}

function selects(selector: RuleSelectorSpec | undefined, domain: string, tags: readonly string[]): boolean {
  if (!selector) return true;
  if (selector.domains && !selector.domains.includes(domain)) return false;
  if (selector.tags && !selector.tags.some((t) => tags.includes(t))) return false;
  return true;
}

/** Before `enforceFrom` an error-level rule only warns, and says from when it will block. */
export function effectiveSeverity(
  rule: Pick<RuleInForce, 'severity' | 'enforceFrom'>,
  now: Date,
): { severity: Severity; note: string } {
  if (rule.severity === 'error' && rule.enforceFrom && now.toISOString().slice(0, 10) < rule.enforceFrom) {
    return { severity: 'warn', note: ` (an error from ${rule.enforceFrom})` };
  }
  return { severity: rule.severity, note: '' };
}

/** Loads the policy sets in force for a working directory (see load-policy-sets.ts) into an engine. */
export function loadPolicyEngine(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): PolicyEngine {
  return new PolicyEngine(loadPolicySets(options));
}
