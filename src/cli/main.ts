/**
 * The `mesh` command line: a thin shell over the platform. Exit codes: 0 ok, 1 the checked
 * thing failed, 2 usage error, 3 a dependency is unavailable, 4 internal error.
 */
import { Command, CommanderError } from 'commander';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../core/diagnostic.js';
import { EXIT_USAGE, exitCodeFor, MeshError } from '../core/errors.js';
import { CliContext } from './cli-context.js';
import { registerCommands } from './commands/index.js';
import { processStreams, type OutputStreams } from './output.js';
import { findUnknownCommand, formatUnknownCommand } from './unknown-command.js';
import { VERSION } from './version.js';

export interface RunCliOptions {
  readonly streams?: OutputStreams;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const streams = options.streams ?? processStreams;
  const ctx = new CliContext(streams, options.env ?? process.env, options.cwd ?? process.cwd());
  const program = new Command('mesh')
    .description('Meshwork: publish, govern, run and find data products.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run mesh --help for usage)')
    .configureOutput({ writeOut: streams.out, writeErr: streams.err })
    .option(
      '--server <url>',
      'talk to a Meshwork server (default: $MESH_SERVER; token from $MESH_TOKEN) instead of this machine',
    )
    .exitOverride();
  program.hook('preAction', () => {
    ctx.serverUrl = program.opts<{ server?: string }>().server;
  });
  registerCommands(program, ctx);
  const configure = (command: Command): void => {
    command
      .exitOverride()
      .configureOutput({ writeOut: streams.out, writeErr: streams.err })
      .showHelpAfterError(`(run mesh ${commandPath(command)} --help for usage)`);
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  const json = argv.includes('--json');
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT_USAGE;
    }
    const unknown = findUnknownCommand(program, argv);
    if (unknown) {
      streams.err(formatUnknownCommand(unknown));
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return EXIT_USAGE;
    }
    reportError(error, streams, json, ctx.env);
    return exitCodeFor(error);
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

function reportError(error: unknown, streams: OutputStreams, json: boolean, env: NodeJS.ProcessEnv): void {
  const known = error instanceof MeshError;
  const message = error instanceof Error ? error.message : String(error);
  const details = known ? (error.details as { hint?: string } | undefined) : undefined;
  if (json) {
    streams.out(
      `${JSON.stringify({ error: { kind: known ? error.kind : 'internal', message, ...(details ?? {}) } }, null, 2)}\n`,
    );
    return;
  }
  const diagnostics = (details as { diagnostics?: Diagnostic[] } | undefined)?.diagnostics;
  if (Array.isArray(diagnostics) && diagnostics.length > 0) {
    // The user needs the reasons (file:line:col, code, hint), not only the verdict.
    for (const d of sortDiagnostics(diagnostics)) streams.err(`${formatDiagnostic(d)}\n`);
  }
  streams.err(`error: ${message}\n`);
  if (details?.hint) streams.err(`  hint: ${details.hint}\n`);
  if (!known) {
    streams.err('  this is a bug in Meshwork; run with MESH_DEBUG=1 for details\n');
    if (env.MESH_DEBUG && error instanceof Error && error.stack) streams.err(`${error.stack}\n`);
  }
}

/** `catalog search`, not just `search`: the words a user types to reach a nested command. */
function commandPath(command: Command): string {
  const words: string[] = [];
  for (let c: Command | null = command; c && c.parent; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}
