import { Option, type Command } from 'commander';
import type { LineageDirection } from '../../lineage/lineage-graph-types.js';
import { renderColumns, renderDot, renderMermaid, renderText } from '../../lineage/lineage-render.js';
import type { CliContext } from '../cli-context.js';
import { wholeNumber } from '../flag-values.js';

interface LineageFlags {
  upstream?: boolean;
  downstream?: boolean;
  depth: number;
  columns?: boolean;
  format: 'text' | 'json' | 'dot' | 'mermaid';
  limit?: number;
  cursor?: string;
  json?: boolean;
}

export function registerLineageCommand(program: Command, ctx: CliContext): void {
  program
    .command('lineage')
    .description(
      "a product's lineage graph: its sources and upstream products, the products and teams reading it, each product's status",
    )
    .argument('<product>', 'domain/name')
    .addOption(new Option('--upstream', 'only what the product reads from').conflicts('downstream'))
    .addOption(new Option('--downstream', 'only what reads the product'))
    .option('--depth <n>', 'hops from the product', wholeNumber(1, 10), 3)
    .option('--columns', 'the column lineage of each product shown')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json', 'dot', 'mermaid']).default('text'),
    )
    .option('--limit <n>', 'nodes per page', wholeNumber(1, 1000))
    .option('--cursor <cursor>', "the next page (a previous page's cursor)")
    .option('--json', 'machine-readable output (same as --format json)')
    .action(async (ref: string, opts: LineageFlags) => {
      const out = ctx.output(opts);
      const direction: LineageDirection = opts.upstream ? 'upstream' : opts.downstream ? 'downstream' : 'both';
      const graph = await ctx.platform().lineage(ref, {
        direction,
        depth: opts.depth,
        columns: opts.columns,
        limit: opts.limit,
        cursor: opts.cursor,
      });
      if (opts.json || opts.format === 'json') return out.data(graph);
      if (opts.format === 'dot') return out.line(renderDot(graph));
      if (opts.format === 'mermaid') return out.line(renderMermaid(graph));
      for (const line of renderText(graph)) out.line(line);
      if (graph.columns) for (const line of renderColumns(graph.columns)) out.line(line);
    });
}
