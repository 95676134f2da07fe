/**
 * The few failures that stop a command. Everything a user can fix in their files is a
 * Diagnostic instead. Each class maps to one CLI exit code and one HTTP status, here and
 * nowhere else.
 */
export type MeshErrorKind =
  'input' | 'not-found' | 'conflict' | 'not-allowed' | 'unauthenticated' | 'too-large' | 'unavailable' | 'internal';

export class MeshError extends Error {
  readonly kind: MeshErrorKind;
  readonly details?: unknown;
  constructor(kind: MeshErrorKind, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.details = options?.details;
  }
}

/** The request itself is wrong (bad flag value, bad body, invalid descriptor at publish). */
export class InputError extends MeshError {
  constructor(message: string, options?: { cause?: unknown; details?: unknown }) {
    super('input', message, options);
  }
}
export class NotFoundError extends MeshError {
  constructor(message: string, options?: { cause?: unknown; details?: unknown }) {
    super('not-found', message, options);
  }
}
/** The state moved under you: a version exists with other content, a run is in progress. */
export class ConflictError extends MeshError {
  constructor(message: string, options?: { cause?: unknown; details?: unknown }) {
    super('conflict', message, options);
  }
}
export class NotAllowedError extends MeshError {
  constructor(message: string, options?: { cause?: unknown; details?: unknown }) {
    super('not-allowed', message, options);
  }
}
export class UnauthenticatedError extends MeshError {
  constructor(message: string, options?: { cause?: unknown; details?: unknown }) {
    super('unauthenticated', message, options);
  }
}
export class TooLargeError extends MeshError {
  constructor(message: string, options?: { cause?: unknown; details?: unknown }) {
    super('too-large', message, options);
  }
}
/** A dependency (database, broker, source) cannot be reached. */
export class UnavailableError extends MeshError {
  constructor(message: string, options?: { cause?: unknown; details?: unknown }) {
    super('unavailable', message, options);
  }
}

/** CLI exit codes: 0 ok, 1 the checked thing failed, 2 usage error, 3+ environment trouble. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const exitCodes: Record<MeshErrorKind, number> = {
  input: 1,
  'not-found': 1,
  conflict: 1,
  'not-allowed': 1,
  unauthenticated: 1,
  'too-large': 1,
  unavailable: 3,
  internal: 4,
};

const httpStatuses: Record<MeshErrorKind, number> = {
  input: 400,
  'not-found': 404,
  conflict: 409,
  'not-allowed': 403,
  unauthenticated: 401,
  'too-large': 413,
  unavailable: 503,
  internal: 500,
};

export function exitCodeFor(error: unknown): number {
  return error instanceof MeshError ? exitCodes[error.kind] : exitCodes.internal;
}

export function httpStatusFor(error: unknown): number {
  return error instanceof MeshError ? httpStatuses[error.kind] : httpStatuses.internal;
}

/** Rebuild a typed error from its kind (the HTTP client uses this to give local and remote mode one behaviour). */
export function errorFromKind(kind: string, message: string, details?: unknown): MeshError {
  const known = kind in exitCodes ? (kind as MeshErrorKind) : 'internal';
  return new MeshError(known, message, { details });
}
