import type { Context } from 'hono';
import { InputError } from '../../core/errors.js';

/** The JSON body as an object; a body that is not JSON (or not an object) is the caller's mistake (400). */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new InputError('the request body is not valid JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new InputError('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InputError(`"${key}" must be a string`);
  return v;
}

export function requiredString(body: Record<string, unknown>, key: string): string {
  const v = optionalString(body, key);
  if (v === undefined || v === '') throw new InputError(`"${key}" is required`);
  return v;
}

export function stringArray(body: Record<string, unknown>, key: string): string[] {
  const v = body[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new InputError(`"${key}" must be an array of strings`);
  return v as string[];
}

export function intQuery(c: Context, key: string, options: { min?: number; max?: number } = {}): number | undefined {
  const raw = c.req.query(key);
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (
    !Number.isInteger(n) ||
    (options.min !== undefined && n < options.min) ||
    (options.max !== undefined && n > options.max)
  ) {
    throw new InputError(
      `query parameter ${key} must be an integer${options.min !== undefined ? ` ≥ ${options.min}` : ''}${options.max !== undefined ? ` ≤ ${options.max}` : ''}`,
    );
  }
  return n;
}
