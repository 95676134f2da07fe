/**
 * Versions as a contract: a new version is compared with the version it follows in the same
 * major (or every version of the major, for backward_transitive), and its number must say
 * what changed: breaking changes need a new major, additive changes at least a minor bump,
 * documentation a patch. A refused publication lists the changes and the version to use.
 */
import semver from 'semver';
import type { Diagnostic } from '../core/diagnostic.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import type { YamlSource } from '../descriptor/yaml-source.js';
import {
  bumpRank,
  classifyChanges,
  compatibilityMode,
  requiredBump,
  type Bump,
  type CompatibilityMode,
  type SchemaChange,
} from './compatibility.js';
import type { PublishedVersion } from './governance.js';

export const DEFAULT_DEPRECATION_NOTICE_DAYS = 30;
const VERSION_PATH = ['metadata', 'version'];

export interface VersioningInput {
  readonly product: DataProduct;
  readonly source?: YamlSource;
  readonly versions: readonly PublishedVersion[];
  readonly now: Date;
  /** Compare with this version instead of the one the new version follows (mesh diff --against). */
  readonly against?: string;
}

export interface VersioningResult {
  readonly diagnostics: Diagnostic[];
  /** The version compared with, if any. */
  readonly base?: PublishedVersion;
  /** Its descriptor: `previous` for change rules. */
  readonly previous?: DataProduct;
  readonly mode: CompatibilityMode;
  readonly changes: SchemaChange[];
  readonly required: Bump;
  /** The smallest version number that would be accepted. */
  readonly suggested?: string;
  /** True when the version starts a new major (the previous major gets deprecated). */
  readonly newMajor: boolean;
}

export function deprecationNoticeDays(product: DataProduct): number {
  return product.spec.sla?.schemaStability?.deprecationNoticeDays ?? DEFAULT_DEPRECATION_NOTICE_DAYS;
}

export function checkVersioning(input: VersioningInput): VersioningResult {
  const { product, source, versions } = input;
  const mode = compatibilityMode(product);
  const empty: VersioningResult = { diagnostics: [], mode, changes: [], required: 'none', newMajor: false };
  const version = semver.parse(product.metadata.version);
  if (!version) return empty;
  const diagnostics: Diagnostic[] = [];
  const locate = (path: readonly (string | number)[]) => source?.locate(path);
  const report = (
    code: string,
    severity: Diagnostic['severity'],
    message: string,
    hint?: string,
    path: readonly (string | number)[] = VERSION_PATH,
  ) =>
    diagnostics.push({
      code,
      severity,
      message,
      hint,
      location: locate(path),
      path: path.join('.'),
      source: 'versioning',
    });
  const sorted = [...versions]
    .filter((v) => semver.valid(v.version))
    .sort((a, b) => semver.rcompare(a.version, b.version));
  if (sorted.length === 0) return empty;
  const maxMajor = semver.major(sorted[0].version);
  const sameMajor = sorted.filter((v) => semver.major(v.version) === version.major);
  const nextMajor = `${Math.max(maxMajor, version.major) + 1}.0.0`;
  const latestInMajor = sameMajor[0];

  let base: PublishedVersion | undefined;
  if (input.against) {
    base = sorted.find((v) => v.version === input.against);
    if (!base)
      report(
        'version-not-found',
        'error',
        `version ${input.against} is not published; published: ${sorted.map((v) => v.version).join(', ')}`,
      );
  }
  // Editing a published version without bumping it: compare with what was published under that number.
  const exact = input.against ? undefined : sorted.find((v) => v.version === version.version);
  if (!input.against) base = exact ?? sameMajor.find((v) => semver.lt(v.version, version));

  if (!input.against && sameMajor.length === 0) {
    const newest = sorted[0];
    if (version.major > maxMajor) {
      // A new major may break anything: it is published beside the old one, which is deprecated.
      const changes = classifyChanges(newest.descriptor, product, mode);
      const days = deprecationNoticeDays(product);
      report(
        'new-major',
        'info',
        `${version.version} starts a new major: ${maxMajor}.x stays available, deprecated, until at least ${addDays(input.now, days).slice(0, 10)} (${days} days' notice), and its consumers are notified`,
      );
      return {
        diagnostics,
        base: newest,
        previous: newest.descriptor,
        mode,
        changes,
        required: requiredBump(changes),
        suggested: version.version,
        newMajor: true,
      };
    }
    report(
      'version-behind',
      'error',
      `${version.major}.x was never published and ${maxMajor}.x is the current major; an older major cannot start now`,
      `publish into ${maxMajor}.x or start ${nextMajor}`,
    );
    return { ...empty, diagnostics };
  }
  if (!input.against && !exact && sameMajor.every((v) => v.status === 'retired')) {
    report(
      'major-retired',
      'error',
      `${version.major}.x is retired; no new versions can be published into it`,
      `publish into the current major (${maxMajor}.x)${maxMajor === version.major ? '' : ` or start ${nextMajor}`}`,
    );
  } else if (!input.against && !exact && sameMajor.some((v) => v.status === 'deprecated')) {
    report(
      'major-deprecated',
      'warn',
      `${version.major}.x is deprecated; consumers should move to ${maxMajor}.x`,
      `fixes are fine; new features belong in ${maxMajor}.x`,
    );
  }
  if (!base) return { ...empty, diagnostics };

  const transitive = mode === 'backward_transitive' && !input.against;
  const changes = classifyChanges(base.descriptor, product, transitive ? 'backward' : mode);
  if (transitive) {
    // Against every older version of the major: a change undone and redone still breaks someone.
    const seen = new Set(changes.filter((c) => c.breaking).map((c) => `${c.category}|${c.subject}`));
    for (const older of sameMajor.filter((v) => v !== base && semver.lt(v.version, version))) {
      for (const c of classifyChanges(older.descriptor, product, 'backward')) {
        const key = `${c.category}|${c.subject}`;
        if (!c.breaking || seen.has(key)) continue;
        seen.add(key);
        changes.push({ ...c, reason: `${c.reason} (compared with ${older.version})` });
      }
    }
  }
  const required = requiredBump(changes);
  const latest = semver.parse(latestInMajor?.version ?? base.version)!;
  const suggestions: Record<Bump, string> = {
    major: nextMajor,
    minor: `${latest.major}.${latest.minor + 1}.0`,
    patch: `${latest.major}.${latest.minor}.${latest.patch + 1}`,
    none: `${latest.major}.${latest.minor}.${latest.patch + 1}`,
  };
  const suggested = suggestions[required];
  const result = { base, previous: base.descriptor, mode, changes, required, suggested, newMajor: false };
  if (exact) {
    // Versions are immutable: changed content under a published number needs a new number.
    if (changes.length > 0) {
      const kinds = [...new Set(changes.map((c) => c.category))].join(', ');
      report(
        'version-already-published',
        'error',
        `${version.version} is already published and this descriptor differs from it (${kinds}); versions are immutable: use ${suggested}`,
        `set metadata.version: ${suggested}`,
      );
    }
    return { ...result, diagnostics };
  }

  const actual = actualBump(base.version, version.version);
  const breaking = changes.filter((c) => c.breaking);
  if (breaking.length > 0 && actual !== 'major') {
    for (const c of breaking)
      report(
        'breaking-change',
        'error',
        `${c.category}: ${c.reason}`,
        `breaking under ${mode} compatibility (spec.sla.schemaStability.compatibility)`,
        c.path,
      );
    report(
      'major-version-required',
      'error',
      `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'} since ${base.version} (${[...new Set(breaking.map((c) => c.category))].join(', ')}) need${breaking.length === 1 ? 's' : ''} a new major version: publish as ${nextMajor}`,
      `set metadata.version: ${nextMajor}; ${base.version.split('.')[0]}.x stays available, deprecated for at least ${deprecationNoticeDays(product)} days`,
    );
  } else if (bumpRank(required) > bumpRank(actual)) {
    const kinds = [...new Set(changes.filter((c) => bumpRank(c.bump) > bumpRank(actual)).map((c) => c.category))].join(
      ', ',
    );
    report(
      'version-bump-too-small',
      'error',
      `${version.version} is a ${actual} bump from ${base.version}, but the changes (${kinds}) need at least a ${required} bump: use ${suggested}`,
      `set metadata.version: ${suggested}`,
    );
  }
  return { ...result, diagnostics };
}

function actualBump(from: string, to: string): Bump {
  const a = semver.parse(from)!;
  const b = semver.parse(to)!;
  if (b.major !== a.major) return 'major';
  if (b.minor !== a.minor) return 'minor';
  return semver.gt(b, a) ? 'patch' : 'none';
}

function addDays(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString();
}
