import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { EXIT_USAGE, InputError, MeshError } from '../../core/errors.js';
import { readRegularFile } from '../../descriptor/read-regular-file.js';
import { parseDuration } from '../../descriptor/duration.js';
import { csvHeader, csvRows, csvSummary, ndjsonColumns, ndjsonRows } from '../../query/query-formats.js';
import { writeParquet } from '../../query/query-parquet.js';
import type { QueryExplanation, QueryOutcome, QueryRequest, QueryResult } from '../../query/query-service.js';
import { MAX_QUERY_LENGTH } from '../../query/query-sql.js';
import { MAX_QUERY_ROWS, MAX_QUERY_TIMEOUT_MS } from '../../query/run-query.js';
import type { CliContext } from '../cli-context.js';
import { flagValue, wholeNumber } from '../flag-values.js';
import type { Output } from '../output.js';

const FORMATS = ['table', 'json', 'csv', 'parquet'] as const;
type Format = (typeof FORMATS)[number];

interface QueryOptions {
  file?: string;
  as?: string;
  format?: Format;
  limit?: number;
  timeout?: number;
  out?: string;
  explain?: boolean;
  json?: boolean;
}

function formatFlag(text: string): Format {
  if (!(FORMATS as readonly string[]).includes(text))
    throw new InvalidArgumentError(`Choose one of ${FORMATS.join(', ')}.`);
  return text as Format;
}

const timeoutFlag = flagValue((text) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > MAX_QUERY_TIMEOUT_MS)
    throw new Error(`Expected a duration from 1ms to ${MAX_QUERY_TIMEOUT_MS / 1000}s, e.g. 30s.`);
  return ms;
});

/** `mesh query`: SQL across the products you may read, masked as the access decision says. */
export function registerQueryCommand(program: Command, ctx: CliContext): void {
  program
    .command('query')
    .description(
      'run one read-only SELECT across the data products you may read (PII masked unless your grant clears it); on this machine you read as the admin unless --as',
    )
    .argument('[sql]', 'the query; products are domain.product (current major) or domain.product_v<major>')
    .option('--file <file>', 'read the query from a file (refusals point at file:line:col)')
    .option('--as <team>', 'read with the grants of one of your teams only')
    .option('--format <format>', `${FORMATS.join(' | ')} (default: table on a terminal, csv otherwise)`, formatFlag)
    .option(
      '--limit <n>',
      'at most this many rows (default 10,000); the output says when it cut',
      wholeNumber(1, MAX_QUERY_ROWS),
    )
    .option('--timeout <duration>', 'cancel the query past this (default 30s, at most 300s)', timeoutFlag)
    .option('--out <file>', 'write the result to this file (required for parquet)')
    .option('--explain', 'show which snapshots and masked columns the query would read, without running it')
    .option('--json', 'machine-readable output')
    .action(async (sql: string | undefined, opts: QueryOptions) => {
      const usage = usageProblem(sql, opts);
      if (usage) {
        ctx.streams.err(`error: ${usage}\n(run mesh query --help for usage)\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const out = ctx.output(opts);
      const request = queryRequest(sql, opts, ctx.cwd);
      const scope = ctx.accessScope(opts.as);
      try {
        if (opts.explain) return printExplanation(out, await ctx.platform().explainQuery(scope, request));
        await writeResult(ctx, out, opts, await ctx.platform().query(scope, request));
      } catch (error) {
        throw refusedQuery(error);
      }
    });
}

function usageProblem(sql: string | undefined, opts: QueryOptions): string | undefined {
  if (sql === undefined && !opts.file) return 'give the query (mesh query "SELECT …") or --file <file>';
  if (sql !== undefined && opts.file) return 'give the query or --file, not both';
  if (opts.format === 'parquet' && !opts.out) return 'parquet is binary: give --out <file>';
  return undefined;
}

function queryRequest(sql: string | undefined, opts: QueryOptions, cwd: string): QueryRequest {
  const base = { limit: opts.limit, timeoutMs: opts.timeout };
  if (!opts.file) return { ...base, sql: sql ?? '' };
  const read = readRegularFile(resolve(cwd, opts.file), MAX_QUERY_LENGTH * 4);
  if (!read.ok)
    throw new InputError(
      read.reason === 'too-large'
        ? `${opts.file} is ${read.size.toLocaleString('en')} bytes; a query is at most ${MAX_QUERY_LENGTH.toLocaleString('en')} characters`
        : `cannot read ${opts.file}: ${read.reason}`,
    );
  return { ...base, sql: read.bytes.toString('utf8'), file: opts.file };
}

/** The located reasons are printed one per line; the verdict says how many there were. */
function refusedQuery(error: unknown): unknown {
  const diagnostics = error instanceof MeshError && (error.details as { diagnostics?: unknown[] })?.diagnostics;
  if (!diagnostics || !Array.isArray(diagnostics) || error.kind !== 'input') return error;
  return new InputError(`the query was refused (${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'})`, {
    details: error.details,
  });
}

function printExplanation(out: Output, plan: QueryExplanation): void {
  if (out.json) return out.data(plan);
  if (plan.tables.length === 0) return out.line('the query reads no data product');
  out.table(
    plan.tables.map((t) => ({
      as: t.as,
      product: t.product,
      major: t.major,
      snapshot: t.snapshotId,
      masked: t.maskedColumns.join(', ') || '-',
    })),
    ['as', 'product', 'major', 'snapshot', 'masked'],
  );
}

async function writeResult(ctx: CliContext, out: Output, opts: QueryOptions, result: QueryResult): Promise<void> {
  const format = opts.format ?? (ctx.streams.isTTY ? 'table' : 'csv');
  if (opts.json && !opts.out) {
    const rows: unknown[][] = [];
    for await (const batch of result.batches()) rows.push(...batch);
    return out.data({ columns: result.columns, rows, summary: await result.summary });
  }
  if (format === 'parquet') await writeParquet(resolve(ctx.cwd, opts.out!), result.columns, result.batches());
  else if (format === 'table') await printTable(ctx, out, opts, result);
  else await streamText(ctx, opts, result, format);
  const summary = await result.summary;
  if (opts.json) return out.data({ file: opts.out, format, summary });
  out.note(summaryLine(summary, opts.out));
}

async function streamText(ctx: CliContext, opts: QueryOptions, result: QueryResult, format: 'json' | 'csv') {
  const file: WriteStream | undefined = opts.out ? createWriteStream(resolve(ctx.cwd, opts.out)) : undefined;
  const write = async (text: string) => {
    if (!file) return ctx.streams.out(text);
    if (!file.write(text)) await once(file, 'drain');
  };
  try {
    await write(format === 'csv' ? csvHeader(result.columns) : ndjsonColumns(result.columns));
    for await (const batch of result.batches()) await write(format === 'csv' ? csvRows(batch) : ndjsonRows(batch));
    const summary = await result.summary;
    await write(format === 'csv' ? csvSummary(summary) : `${JSON.stringify({ summary })}\n`);
  } finally {
    if (file) {
      file.end();
      await once(file, 'close');
    }
  }
}

const CELL_WIDTH = 60;

async function printTable(ctx: CliContext, out: Output, opts: QueryOptions, result: QueryResult): Promise<void> {
  const rows: string[][] = [];
  for await (const batch of result.batches()) for (const row of batch) rows.push(row.map(cellText));
  const names = result.columns.map((c) => c.name);
  const widths = names.map((n, i) => Math.max(n.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const text = [
    out.colors.bold(line(names)),
    out.colors.dim(line(widths.map((w) => '─'.repeat(w)))),
    ...rows.map(line),
  ].join('\n');
  if (!opts.out) return out.line(text);
  const file = createWriteStream(resolve(ctx.cwd, opts.out));
  file.end(`${[line(names), ...rows.map(line)].join('\n')}\n`);
  await once(file, 'close');
}

function cellText(value: unknown): string {
  const text =
    value === null || value === undefined ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const flat = text.replace(/[\r\n\t]/g, ' ');
  return flat.length > CELL_WIDTH ? `${flat.slice(0, CELL_WIDTH - 1)}…` : flat;
}

function summaryLine(summary: QueryOutcome, file: string | undefined): string {
  const rows = `${summary.rows.toLocaleString('en')} row${summary.rows === 1 ? '' : 's'}`;
  const cut = summary.truncated
    ? ` (cut at the row limit of ${summary.limit.toLocaleString('en')}: raise --limit, up to ${MAX_QUERY_ROWS.toLocaleString('en')}, or aggregate)`
    : '';
  const read = summary.tables.map(
    (t) =>
      `${t.product}@${t.major} (snapshot ${t.snapshotId}${t.maskedColumns.length ? `, masked: ${t.maskedColumns.join(', ')}` : ''})`,
  );
  return `${rows}${cut} in ${summary.elapsedMs} ms${read.length ? `; read ${read.join(', ')}` : ''}${file ? ` → ${file}` : ''}`;
}
