import type { Command } from 'commander';
import type { ProductDetail } from '../../platform/mesh-api.js';
import type { SearchResult } from '../../registry/operations/products/search-products.js';
import type { CliContext } from '../cli-context.js';
import { wholeNumber } from '../flag-values.js';
import type { Output } from '../output.js';

export function registerCatalogCommands(program: Command, ctx: CliContext): void {
  const catalog = program.command('catalog').description('browse and search the published data products');
  catalog
    .command('list')
    .description('list products, optionally of one domain')
    .option('--domain <domain>', 'only this domain')
    .option('--json', 'machine-readable output')
    .action(async (opts: { domain?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const products = await ctx.platform().listProducts({ domain: opts.domain });
      if (opts.json) return out.data(products);
      if (products.length === 0)
        return out.line(
          opts.domain ? `no products in domain ${opts.domain}` : 'the catalog is empty: `mesh publish` a product first',
        );
      out.table(
        products.map((p) => ({
          product: p.id,
          version: p.latestVersion,
          owner: p.owner,
          description: truncate(p.description, 60),
        })),
        ['product', 'version', 'owner', 'description'],
      );
    });
  catalog
    .command('search')
    .description('ranked search over names, titles, descriptions, tags, columns, owners and domains, with facet counts')
    .argument('[text...]', 'words (the last one may be unfinished) and "quoted phrases"; none: every product')
    .option('--domain <domain>', 'only this domain (repeat for any of several)', collect, [])
    .option('--tag <tag>', 'only products with this tag (repeatable)', collect, [])
    .option('--owner <team>', 'only products of this owner team (repeatable)', collect, [])
    .option('--pii <class>', 'only products with a column of this PII class: indirect, direct, sensitive', collect, [])
    .option(
      '--lifecycle <status>',
      'only products with a version in this state: active, deprecated, retired',
      collect,
      [],
    )
    .option(
      '--sla <status>',
      'only products whose freshness target is now: met, breached, none (no target)',
      collect,
      [],
    )
    .option(
      '--stale <yes|no>',
      'only stale products (no good publication within twice the freshness target, or no read for 90 days), or only the others',
      collect,
      [],
    )
    .option('--limit <n>', 'at most this many results', wholeNumber(1, 200), 20)
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
    .option('--no-typos', 'no typo correction when nothing matches')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Every word must match, in any field; a word in the name or title ranks above one in the tags or
domain, above one in the description or a column name, above the rest. Within a filter any of
the values may hold; different filters must all hold. When nothing matches, misspelt words are
replaced by the nearest known ones ("custmer revnue" finds customer revenue products) or
suggested.

Examples:
  mesh catalog search revenue --domain sales --tag finance
  mesh catalog search '"daily invoice" totals'
  mesh catalog search --pii direct --json
  mesh catalog search --sla breached --domain sales`,
    )
    .action(async (words: string[], opts: SearchFlags) => {
      const out = ctx.output(opts);
      const text = words.join(' ');
      const result = await ctx.platform().searchProducts(text, {
        domain: opts.domain,
        tag: opts.tag,
        owner: opts.owner,
        pii: opts.pii,
        lifecycle: opts.lifecycle,
        sla: opts.sla,
        stale: opts.stale,
        limit: opts.limit,
        cursor: opts.cursor,
        typos: opts.typos,
      });
      if (opts.json) return out.data(result);
      printSearch(out, text, result);
    });

  program
    .command('show')
    .description('show one product: versions, schema, ports, owner and on-call')
    .argument('<product>', 'domain/name, domain/name@major or domain/name@x.y.z')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const detail = await ctx.platform().showProduct(ref);
      if (opts.json) return out.data(detail);
      printProduct(out, detail);
    });
}

function printProduct(out: Output, detail: ProductDetail): void {
  const c = out.colors;
  const { descriptor: d } = detail.version;
  const m = d.metadata;
  out.line(
    c.bold(`${detail.product.id}@${detail.version.version}`) +
      (detail.version.status !== 'active' ? c.yellow(`  [${detail.version.status}]`) : ''),
  );
  if (m.description) out.line(m.description);
  out.line();
  out.line(`owner:      ${m.owner}`);
  out.line(`on-call:    ${m.oncall ?? c.yellow('none')}`);
  if (m.tags?.length) out.line(`tags:       ${m.tags.join(', ')}`);
  if (d.spec.schedule) out.line(`schedule:   ${d.spec.schedule}`);
  if (d.spec.freshness)
    out.line(
      `freshness:  target ${d.spec.freshness.target}${d.spec.freshness.alert_after ? `, alert after ${d.spec.freshness.alert_after}` : ''}`,
    );
  out.line(`published:  ${detail.version.publishedAt} by ${detail.version.publishedBy}`);
  out.line();
  out.line(c.bold('schema'));
  const pk = new Set(d.spec.schema.primaryKey ?? []);
  out.table(
    d.spec.schema.columns.map((col) => ({
      column: pk.has(col.name) ? `${col.name} (pk)` : col.name,
      type: col.type,
      nullable: col.nullable === false ? 'no' : 'yes',
      pii: col.pii ?? '?',
      masking: col.masking ?? '',
      description: truncate(col.description, 50),
    })),
    ['column', 'type', 'nullable', 'pii', 'masking', 'description'],
  );
  out.line();
  out.line(c.bold('inputs'));
  for (const i of d.spec.inputs)
    out.line(`  ${i.name}  ${i.product ? `product ${i.product}` : `${i.source?.type} ${i.source?.path ?? ''}`.trim()}`);
  out.line(c.bold('output ports'));
  for (const p of d.spec.outputPorts)
    out.line(`  ${p.name}  ${p.type}${p.subject ? ` ${p.subject}` : ''}${p.table ? ` ${p.table}` : ''}`);
  out.line();
  out.line(c.bold('versions'));
  out.table(
    detail.versions.map((v) => ({ version: v.version, status: v.status, published: v.publishedAt, by: v.publishedBy })),
    ['version', 'status', 'published', 'by'],
  );
}

interface SearchFlags {
  domain: string[];
  tag: string[];
  owner: string[];
  pii: string[];
  lifecycle: string[];
  sla: string[];
  stale: string[];
  limit: number;
  cursor?: string;
  typos: boolean;
  json?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function printSearch(out: Output, text: string, result: SearchResult): void {
  if (result.correctedFrom)
    out.line(`no product matches "${result.correctedFrom}"; showing results for "${result.query}"`);
  if (result.hits.length === 0) {
    out.line(text ? `no products match "${text}"` : 'no products match these filters');
    if (result.suggestions.length) out.line(`did you mean ${result.suggestions.join(', ')}?`);
    return;
  }
  out.table(
    result.hits.map((h) => ({
      score: h.score.toFixed(0),
      product: h.id,
      version: h.latestVersion,
      sla: h.freshness.sla,
      'last run': h.lastRun?.status ?? 'never',
      description: truncate(h.description, 50),
    })),
    ['score', 'product', 'version', 'sla', 'last run', 'description'],
  );
  for (const h of result.hits) if (h.stale) out.line(out.colors.yellow(`stale: ${h.id}: ${h.stale}`));
  out.line();
  out.line(`${result.total} product(s) match`);
  for (const [facet, counts] of Object.entries(result.facets)) {
    if (counts.length === 0) continue;
    out.line(`  ${facet.padEnd(10)} ${counts.map((c) => `${c.value} (${c.count})`).join(', ')}`);
  }
  if (result.nextCursor) out.line(`next page: --cursor ${result.nextCursor}`);
}

function truncate(text: string | null | undefined, n: number): string {
  if (!text) return '';
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
