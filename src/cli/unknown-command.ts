/**
 * A command word that names no command is a usage error (exit 2) with a did-you-mean, even
 * with --help after it: commander would otherwise print the parent's help and exit 0, so
 * `mesh access --help` looked like a command that exists.
 */
import type { Command } from 'commander';
import { didYouMean } from '../core/did-you-mean.js';

export interface UnknownCommand {
  /** The words that lead to it, e.g. `catalog serch`. */
  readonly path: string;
  readonly word: string;
  readonly suggestion?: string;
  /** The commands that exist where the word was. */
  readonly commands: readonly string[];
}

/** The first command word in `argv` that names no command at its level, if any. */
export function findUnknownCommand(program: Command, argv: readonly string[]): UnknownCommand | undefined {
  let command = program;
  const path: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') return undefined;
    if (token.startsWith('-')) {
      if (takesValue(command, token)) i++;
      continue;
    }
    // A command with its own arguments reads the word as one of them.
    if (command.commands.length === 0 || command.registeredArguments.length > 0) return undefined;
    const next = command.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (!next) return unknown(command, path, token);
    command = next;
    path.push(token);
  }
  return undefined;
}

function unknown(command: Command, path: readonly string[], word: string): UnknownCommand | undefined {
  if (word === 'help') return undefined;
  const commands = command.commands.map((c) => c.name());
  return { path: path.join(' '), word, suggestion: didYouMean(word, commands), commands };
}

function takesValue(command: Command, token: string): boolean {
  if (token.includes('=')) return false;
  const option = command.options.find((o) => o.long === token || o.short === token);
  return option !== undefined && (option.required || option.optional);
}

/** The message: what was not found, the likely command or the ones there are, where help is. */
export function formatUnknownCommand(found: UnknownCommand): string {
  const where = found.path ? `mesh ${found.path}` : 'mesh';
  const lines = [`error: unknown command '${found.word}' for ${where}`];
  if (found.suggestion) lines.push(`  did you mean '${where} ${found.suggestion}'?`);
  else lines.push(`  commands: ${found.commands.filter((c) => c !== 'help').join(', ')}`);
  lines.push(`  run ${where} --help for usage`);
  return `${lines.join('\n')}\n`;
}
