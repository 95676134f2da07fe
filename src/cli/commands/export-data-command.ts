import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import { InvalidArgumentError, type Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { DATA_FORMATS, type DataFormat } from '../../access/access-api.js';
import type { CliContext } from '../cli-context.js';

function formatFlag(text: string): DataFormat {
  if (!(DATA_FORMATS as readonly string[]).includes(text))
    throw new InvalidArgumentError(`Choose one of ${DATA_FORMATS.join(', ')}.`);
  return text as DataFormat;
}

/** `mesh export-data`: a product's current snapshot as you may read it (masked without PII clearance). */
export function registerExportDataCommand(program: Command, ctx: CliContext): void {
  program
    .command('export-data')
    .description('download the current snapshot of a product you may read (PII masked unless your grant clears it)')
    .argument('<product>', 'domain/name (latest major) or domain/name@major')
    .option('--format <format>', `${DATA_FORMATS.join(' | ')}`, formatFlag, 'parquet' as DataFormat)
    .option('--out <file>', 'write to this file (required for parquet; csv and json go to stdout without it)')
    .option('--as <team>', 'read with the grants of one of your teams only')
    .option('--json', 'print what was written as JSON (needs --out)')
    .action(async (ref: string, opts: { format: DataFormat; out?: string; as?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      if (!opts.out && (opts.format === 'parquet' || opts.json))
        throw new InputError(
          opts.json ? '--json describes the file written: give --out <file>' : 'parquet is binary: give --out <file>',
        );
      const exported = await ctx.platform().exportData(ctx.accessScope(opts.as), ref, { format: opts.format });
      const source = Readable.fromWeb(exported.body as NodeWebStream<Uint8Array>);
      if (opts.out) await pipeline(source, createWriteStream(opts.out));
      else for await (const chunk of source) ctx.streams.out(Buffer.from(chunk as Uint8Array).toString('utf8'));
      const { body: _body, ...meta } = exported;
      if (opts.json) return out.data({ ...meta, file: opts.out });
      out.note(
        `${exported.product}@${exported.major}: ${exported.rows} rows (snapshot ${exported.snapshotId})` +
          (exported.maskedColumns.length ? `, masked: ${exported.maskedColumns.join(', ')}` : ', nothing masked') +
          (opts.out ? ` → ${opts.out}` : ''),
      );
    });
}
