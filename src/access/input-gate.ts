/**
 * Product inputs as a read path: the gate a run reads other products through (runner/
 * input-read-gate.ts is the interface; the platform builds this one and hands it to every run,
 * recorded or dry). The reader is the consuming product's domain — its teams, their grants, and
 * the domain's own grants — so a product reads what its owners were granted, no more: the same
 * decision as a download, asked when the input is read, logged (`input`, `input:dry-run`), and
 * masked unless a grant clears PII.
 */
import { NotAllowedError, UnavailableError } from '../core/errors.js';
import { maskedSelect } from '../engine/masked-select.js';
import { maskingKeyFromEnv } from '../engine/masking-key.js';
import { domainTeams } from '../registry/operations/access/reader-membership.js';
import type { Registry } from '../registry/registry.js';
import type { InputRead, InputReadGate, InputReadRequest } from '../runner/input-read-gate.js';
import { authorizeReader, logRead } from './authorize-read.js';
import type { Reader } from './principal.js';
import { classifiedColumns } from './read-target.js';

export interface InputGateOptions {
  /** MESH_MASKING_KEY; the development key when absent. */
  readonly hashKey?: string;
  /**
   * A server (or worker) run: without `hashKey`, an input whose masked columns are hashed is
   * refused rather than hashed with the development key, as downloads and queries are.
   */
  readonly requireHashKey?: boolean;
}

export function productInputGate(registry: Registry, options: InputGateOptions = {}): InputReadGate {
  const hashKey = options.hashKey ?? maskingKeyFromEnv().key;
  const refuseHashes = Boolean(options.requireHashKey && !options.hashKey);
  return {
    async open(request: InputReadRequest): Promise<InputRead> {
      const started = performance.now();
      const path = request.dryRun ? 'input:dry-run' : 'input';
      const reader = await productReader(registry, request.consumer);
      const { target, decision } = await authorizeReader(registry, reader, `${request.product}@${request.major}`);
      if (!decision.allowed) {
        await logRead(registry, decision, path, { durationMs: performance.now() - started });
        throw new NotAllowedError(`${decision.reason}; ask for ${decision.missing}: ${decision.requestCommand}`, {
          details: { missing: decision.missing, requestCommand: decision.requestCommand },
        });
      }
      const classified = await classifiedColumns(registry, target, request.snapshotVersion);
      return {
        project: (source, columns) => {
          const projection = maskedSelect(
            source,
            classified.filter((c) => columns.has(c.name)),
            { piiCleared: decision.piiCleared, hashKey },
          );
          if (projection.hashes && refuseHashes) throw noKeyForInput(request);
          return projection;
        },
        done: (outcome) =>
          logRead(registry, decision, path, {
            maskedColumns: outcome.masked,
            rows: outcome.rows,
            durationMs: outcome.durationMs,
          }),
      };
    },
  };
}

/** Hashing with the development key on a server would give reversible hashes to its transform. */
function noKeyForInput(request: InputReadRequest): UnavailableError {
  return new UnavailableError(
    `input ${request.input}: this server has no MESH_MASKING_KEY, so it cannot hash the PII columns of ${request.product}@${request.major} for ${request.consumer.product}`,
    {
      details: {
        hint: 'the operator sets MESH_MASKING_KEY (a long random secret) in the environment of mesh serve and mesh worker',
      },
    },
  );
}

/**
 * A product as a reader: named by its id, a member of every team of its domain (their grants
 * count, and it owns its own domain's products), with the domain's own grants.
 */
export async function productReader(registry: Registry, consumer: InputReadRequest['consumer']): Promise<Reader> {
  return {
    user: consumer.product,
    role: 'member',
    teams: await domainTeams(registry.db, consumer.domain),
    domains: [consumer.domain],
  };
}
