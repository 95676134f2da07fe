import { InputError } from './errors.js';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Expands `${VAR}` references at run time. The resolved text is only ever handed to a driver:
 * it is not stored, logged or put in an error message.
 */
export function resolveEnvRefs(text: string, env: NodeJS.ProcessEnv, what: string): string {
  return text.replace(ENV_REF, (_, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new InputError(`${what} refers to \${${name}}, which is not set in the environment`, {
        details: { hint: `export ${name}=… before running` },
      });
    }
    return value;
  });
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
