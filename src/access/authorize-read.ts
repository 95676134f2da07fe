/**
 * A read path's two calls: `authorizeRead` (resolve the target, then the reader and its
 * candidate grants through the index in one registry statement, decide) and `logRead` (the audit row). Every path —
 * download, check samples, and next query, product inputs and the ports — goes through both.
 */
import { now as clockNow } from '../core/clock.js';
import { NotAllowedError } from '../core/errors.js';
import { grantsForReader } from '../registry/operations/access/grants-for-reader.js';
import { recordAccess } from '../registry/operations/access/record-access.js';
import type { Registry } from '../registry/registry.js';
import { decideRead, readerGrantees, type ReadDecision, type ReadRefused } from './decide-read.js';
import type { AccessScope, Reader } from './principal.js';
import { resolveReadTarget, type ResolvedTarget } from './read-target.js';
import { resolveReaderFor } from './resolve-reader.js';

export interface AuthorizedRead {
  readonly reader: Reader;
  readonly target: ResolvedTarget;
  readonly decision: ReadDecision;
}

export async function authorizeRead(
  registry: Registry,
  scope: AccessScope,
  ref: string,
  now: Date = clockNow(),
): Promise<AuthorizedRead> {
  const target = await resolveReadTarget(registry, ref);
  // The reader's teams, domains and candidate grants in one round trip: nothing cached, so a
  // revocation or a change of membership counts at the very next read.
  const { reader, candidates } = await resolveReaderFor(registry.db, scope, target.product);
  return { reader, target, decision: decideRead(reader, target, candidates, now) };
}

/** The same decision for a reader already resolved (a product reading its inputs: its domain's teams). */
export async function authorizeReader(
  registry: Registry,
  reader: Reader,
  ref: string,
  now: Date = clockNow(),
): Promise<AuthorizedRead> {
  return decideFor(registry, reader, await resolveReadTarget(registry, ref), now);
}

async function decideFor(registry: Registry, reader: Reader, target: ResolvedTarget, now: Date) {
  const candidates = await grantsForReader(registry.db, target.product, readerGrantees(reader));
  return { reader, target, decision: decideRead(reader, target, candidates, now) };
}

export async function logRead(
  registry: Registry,
  decision: ReadDecision,
  path: string,
  outcome: { maskedColumns?: readonly string[]; rows?: number | null; durationMs?: number | null } = {},
): Promise<void> {
  await recordAccess(registry, {
    user: decision.user,
    team: decision.team,
    product: decision.product,
    major: decision.major,
    path,
    allowed: decision.allowed,
    reason: decision.reason,
    grantId: decision.allowed ? (decision.grant?.id ?? null) : null,
    maskedColumns: outcome.maskedColumns ?? [],
    rows: outcome.rows ?? null,
    durationMs: outcome.durationMs ?? null,
  });
}

/** What a refused reader sees: who, what, the missing grant and the command that asks for it. */
export function readRefusal(decision: ReadRefused): NotAllowedError {
  return new NotAllowedError(decision.reason, {
    details: {
      hint: `ask for ${decision.missing}: ${decision.requestCommand}`,
      missing: decision.missing,
      requestCommand: decision.requestCommand,
    },
  });
}
