/**
 * Bookkeeping for an import: every field of the foreign document that the mapping carries
 * over is marked as used; whatever is left at the end is reported as a located warning, so
 * no field is ever dropped silently — the guarantee does not depend on each mapping step
 * remembering to warn.
 */
import type { Diagnostic } from '../core/diagnostic.js';
import type { PathSegment, YamlSource } from '../descriptor/yaml-source.js';

export class FieldLedger {
  private readonly used = new Set<string>();
  private readonly partly = new Set<string>();
  private readonly explained = new Map<string, string>();

  constructor(
    private readonly source: YamlSource,
    private readonly code: string,
  ) {}

  /** Marks a field (and everything under it) as carried over. */
  use(...path: PathSegment[]): void {
    this.used.add(this.ancestors(path));
  }

  /** Marks a field as not carried over, with the reason shown instead of the generic message. */
  explain(path: PathSegment[], why: string): void {
    this.explained.set(this.ancestors(path), why);
  }

  /** Marks every ancestor of `path` as partly used; returns the key of `path`. */
  private ancestors(path: readonly PathSegment[]): string {
    let k = '';
    for (let i = 0; i < path.length; i++) {
      this.partly.add(k);
      k = i === 0 ? String(path[0]) : `${k}\u0000${path[i]}`;
    }
    return k;
  }

  /** One warning per top-most field that was neither used nor lies under a used field. */
  unmapped(what: string): Diagnostic[] {
    const found: Diagnostic[] = [];
    const walk = (value: unknown, path: PathSegment[], k: string): void => {
      if (this.used.has(k)) return;
      const why = this.explained.get(k);
      if (why !== undefined || !this.partly.has(k) || !isContainer(value)) {
        if (value === undefined) return;
        found.push(
          this.warn(path, why ?? `${dotted(path) || 'the document'} has no place in ${what}; not carried over`),
        );
        return;
      }
      const child = (name: PathSegment, v: unknown) =>
        walk(v, [...path, name], path.length ? `${k}\u0000${name}` : String(name));
      if (Array.isArray(value)) value.forEach((v, i) => child(i, v));
      else for (const [name, v] of Object.entries(value as Record<string, unknown>)) child(name, v);
    };
    walk(this.source.value, [], '');
    return found;
  }

  private warn(path: PathSegment[], message: string): Diagnostic {
    const last = path[path.length - 1];
    return {
      code: this.code,
      severity: 'warn',
      message,
      location: this.source.locate(path, typeof last === 'string'),
      path: dotted(path),
    };
  }
}

function isContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/** `schema[0].properties[2].name`: the path notation of Meshwork diagnostics. */
export function dotted(path: readonly PathSegment[]): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}
