/**
 * Everything the CLI prints goes through here: JSON for machines (`--json`), text for people,
 * colour only on a terminal (and never with NO_COLOR).
 */
import pc from 'picocolors';
import { countBySeverity, formatDiagnostic, sortDiagnostics, type Diagnostic } from '../core/diagnostic.js';

export interface OutputStreams {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTTY: boolean;
}

export const processStreams: OutputStreams = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
};

export class Output {
  readonly colors: ReturnType<typeof pc.createColors>;
  constructor(
    readonly streams: OutputStreams,
    readonly json: boolean,
  ) {
    this.colors = pc.createColors(streams.isTTY);
  }

  line(text = ''): void {
    this.streams.out(`${text}\n`);
  }

  /** A progress or status note for people: stderr, so stdout stays clean for pipes. */
  note(text: string): void {
    if (!this.json) this.streams.err(`${text}\n`);
  }

  data(value: unknown): void {
    this.streams.out(`${JSON.stringify(value, null, 2)}\n`);
  }

  diagnostics(diagnostics: readonly Diagnostic[]): void {
    const c = this.colors;
    for (const d of sortDiagnostics(diagnostics)) {
      const colour = d.severity === 'error' ? c.red : d.severity === 'warn' ? c.yellow : c.cyan;
      const text = formatDiagnostic(d);
      const [first, ...rest] = text.split('\n');
      this.line(first.replace(`  ${d.severity}  `, `  ${colour(d.severity)}  `));
      for (const r of rest) this.line(c.dim(r));
    }
  }

  summary(diagnostics: readonly Diagnostic[], files: number): void {
    const n = countBySeverity(diagnostics);
    const c = this.colors;
    const parts = [
      `${files} file${files === 1 ? '' : 's'} checked`,
      `${n.error} error${n.error === 1 ? '' : 's'}`,
      `${n.warn} warning${n.warn === 1 ? '' : 's'}`,
    ];
    this.line(n.error > 0 ? c.red(parts.join(', ')) : c.green(parts.join(', ')));
  }

  table(rows: ReadonlyArray<Record<string, string | number | null | undefined>>, columns: readonly string[]): void {
    const widths = columns.map((col) => Math.max(col.length, ...rows.map((r) => String(r[col] ?? '').length)));
    const fmt = (cells: string[]) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    this.line(this.colors.bold(fmt(columns.map((c) => c.toUpperCase()))));
    for (const row of rows) this.line(fmt(columns.map((c) => String(row[c] ?? ''))));
  }
}
