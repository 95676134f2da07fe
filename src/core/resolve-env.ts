import { InputError, type MeshError } from './errors.js';
import { EnvRefusedError, entitlement, LOCAL_SCOPE, type EnvScope } from './env-scope.js';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Values shorter than this are not scrubbed from messages: they would mangle every number in them. */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * Every value a run resolved from the environment, so that each can be taken out of any text
 * the run records (errors, run rows, events, logs, lineage), whatever field it came through.
 */
export class ResolvedValues {
  /** Text to take out → what replaces it: a whole value its `${NAME}`, a URL's password `***`. */
  readonly #replacements = new Map<string, string>();

  record(name: string, value: string): void {
    this.#add(value, `\${${name}}`);
    try {
      const password = new URL(value).password;
      if (password) {
        this.#add(password, '***');
        this.#add(decodeURIComponent(password), '***');
      }
    } catch {
      /* not a URL */
    }
  }

  #add(text: string, replacement: string): void {
    if (text.length >= MIN_SCRUBBED_LENGTH && !this.#replacements.has(text)) this.#replacements.set(text, replacement);
  }

  /** `text` with every resolved value (and a URL's password, encoded or not) replaced. */
  scrub(text: string): string;
  scrub(text: string | null | undefined): string | null | undefined;
  scrub(text: string | null | undefined): string | null | undefined {
    if (!text || this.#replacements.size === 0) return text;
    let out = text;
    // Longest first, so a URL is replaced whole before its password alone.
    for (const [value, replacement] of [...this.#replacements].sort((a, b) => b[0].length - a[0].length))
      out = out.split(value).join(replacement);
    return out;
  }
}

interface RunEnv {
  readonly scope: EnvScope;
  readonly domain: string;
  readonly resolved: ResolvedValues;
}

const runEnvs = new WeakMap<object, RunEnv>();

/**
 * The environment a run hands to its steps: the same variables, bound to the product's domain
 * and scope, and to the run's record of resolved values. `resolveEnvRefs` over it refuses what
 * the domain is not entitled to and records what it resolves; an environment not made here is
 * resolved with the local rule (everything but MESH_*) and nothing is recorded.
 */
export function runEnvironment(
  env: NodeJS.ProcessEnv,
  scope: EnvScope,
  domain: string,
  resolved: ResolvedValues,
): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = { ...env };
  runEnvs.set(copy, { scope, domain, resolved });
  return copy;
}

/**
 * Expands `${VAR}` references at run time. The resolved text is only ever handed to a driver:
 * it is not stored, logged or put in an error message (the run scrubs it from what it records).
 */
export function resolveEnvRefs(
  text: string,
  env: NodeJS.ProcessEnv,
  what: string,
  /** The error for a variable the process does not have (default: the CLI user's wording). */
  unset: (name: string) => MeshError = (name) =>
    new InputError(`${what} refers to \${${name}}, which is not set in the environment`, {
      details: { hint: `export ${name}=… before running` },
    }),
): string {
  const run = runEnvs.get(env);
  return text.replace(ENV_REF, (_, name: string) => {
    const allowed = entitlement(run?.scope ?? LOCAL_SCOPE, run?.domain ?? '', name);
    if (!allowed.ok) throw new EnvRefusedError(`${what}: ${allowed.message}`, allowed.hint);
    const value = env[name];
    if (value === undefined || value === '') throw unset(name);
    run?.resolved.record(name, value);
    return value;
  });
}

/** The `${NAME}` references in `text`, with their offsets. */
export function envReferences(text: string): Array<{ name: string; offset: number }> {
  return [...text.matchAll(ENV_REF)].map((m) => ({ name: m[1], offset: m.index }));
}

/** Host and port of a connection URL, safe to show (never the user's password). */
export function describeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}${u.port ? `:${u.port}` : ''}`;
  } catch {
    return 'an unparseable address';
  }
}

/** Removes the password of `url` from a driver message, in case a driver ever echoes it. */
export function scrubSecret(message: string, url: string): string {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? message.split(password).join('***') : message;
  } catch {
    return message;
  }
}
