import { Option, type Command } from 'commander';
import type { IncidentRecord, IncidentStatus } from '../../server/server-api.js';
import type { CliContext } from '../cli-context.js';
import type { Output } from '../output.js';

export function registerIncidentCommands(program: Command, ctx: CliContext): void {
  const incident = program.command('incident').description('freshness incidents: open → acknowledged → resolved');
  incident
    .command('list')
    .description('incidents, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(['open', 'acknowledged', 'resolved']))
    .option('--product <product>', 'only this product (domain/name)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { status?: IncidentStatus; product?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const incidents = await ctx.serverApi().listIncidents({ status: opts.status, product: opts.product });
      if (opts.json) return out.data(incidents);
      if (incidents.length === 0) return out.line('no incidents');
      out.table(
        incidents.map((i) => ({
          id: i.id,
          status: i.status,
          product: i.product,
          opened: i.openedAt,
          oncall: i.oncall ?? '',
          summary: i.summary,
        })),
        ['id', 'status', 'product', 'opened', 'oncall', 'summary'],
      );
    });
  incident
    .command('ack')
    .description('acknowledge an incident: someone is on it')
    .argument('<id>', 'incident id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) =>
      print(ctx.output(opts), await ctx.serverApi().acknowledgeIncident(id), opts.json),
    );
  incident
    .command('resolve')
    .description('resolve an incident by hand (the monitor resolves freshness incidents on recovery)')
    .argument('<id>', 'incident id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) =>
      print(ctx.output(opts), await ctx.serverApi().resolveIncident(id), opts.json),
    );
}

function print(out: Output, incident: IncidentRecord, json?: boolean): void {
  if (json) return out.data(incident);
  out.line(`${incident.id} ${incident.status} (${incident.product})`);
}
