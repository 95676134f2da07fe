/**
 * The one place a failure becomes an HTTP response: MeshError kinds map to statuses through
 * core/errors.ts, a lost database connection becomes 503 (clients retry), anything else is
 * a 500 that says nothing about internals.
 */
import type { Context } from 'hono';
import { httpStatusFor, MeshError, UnavailableError } from '../core/errors.js';

export interface ErrorBody {
  readonly error: { readonly kind: string; readonly message: string; readonly details?: unknown };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '53300',
  // statement_timeout: the registry is stalled or overloaded.
  '57014',
  'SQLITE_BUSY',
]);

/** True for errors that mean "the registry is not reachable right now", on either dialect. */
export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  return /connection terminated|terminating connection|connection timeout|timeout exceeded when trying to connect|Connection ended|server closed the connection/i.test(
    e.message ?? '',
  );
}

export function toMeshError(error: unknown): MeshError {
  if (error instanceof MeshError) return error;
  if (isUnavailable(error))
    return new UnavailableError('the registry is unavailable right now; retry shortly', { cause: error });
  return new MeshError('internal', 'internal error', { cause: error });
}

export function errorBody(error: MeshError): ErrorBody {
  return {
    error: {
      kind: error.kind,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

export function errorResponse(c: Context, error: unknown): Response {
  const mesh = toMeshError(error);
  const status = httpStatusFor(mesh) as 400;
  if (mesh.kind === 'unavailable') c.header('Retry-After', String(retryAfterSeconds(mesh)));
  // The rest of an oversized body is never read: the connection cannot be reused.
  if (mesh.kind === 'too-large') c.header('Connection', 'close');
  if (mesh.kind === 'unauthenticated') c.header('WWW-Authenticate', 'Bearer realm="meshwork"');
  return c.json(errorBody(mesh), status);
}

/** An error may say how long to wait (the query gate's "busy, retry"); a lost registry is retried after 1 s. */
function retryAfterSeconds(error: MeshError): number {
  const seconds = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isInteger(seconds) && seconds > 0 ? seconds : 1;
}
