/**
 * Diagnostics: every user mistake becomes one of these instead of an exception.
 * Validation, governance, compatibility and quality checks all speak this shape,
 * and exit codes are derived from them (errors → 1).
 */
export type Severity = 'error' | 'warn' | 'info';

export interface SourceLocation {
  readonly file: string;
  /** 1-based line and column. */
  readonly line: number;
  readonly col: number;
}

export interface Diagnostic {
  /** Stable kebab-case code, e.g. `unknown-field`, `inline-secret`, or a policy rule id. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly location?: SourceLocation;
  /** JSON path of the offending field inside the document, e.g. `spec.schema.columns[2].type`. */
  readonly path?: string;
  /** How to fix it, where we can say. */
  readonly hint?: string;
  /** Where the rule came from (policy set, built-in) for governance findings. */
  readonly source?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warn: 0, info: 0 };
  for (const d of diagnostics) counts[d.severity]++;
  return counts;
}

const severityOrder: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

/** Sort by file, then position, then severity: the order a reader expects. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const fa = a.location?.file ?? '';
    const fb = b.location?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const la = a.location?.line ?? 0;
    const lb = b.location?.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = a.location?.col ?? 0;
    const cb = b.location?.col ?? 0;
    if (ca !== cb) return ca - cb;
    return severityOrder[a.severity] - severityOrder[b.severity];
  });
}

/** `file:line:col  severity  code  message` (plus an indented hint line). */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.col}` : '-';
  let text = `${where}  ${d.severity}  ${d.code}  ${d.message}`;
  if (d.hint) text += `\n    hint: ${d.hint}`;
  return text;
}
