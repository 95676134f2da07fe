/**
 * The catalog a consumer's query resolves products through: for each product it names, the
 * one access decision (src/access), then the product's current snapshot with the reader's
 * masking as the view's SELECT. A refusal is logged and ends the query before anything runs;
 * the reads that happened are logged once the query has finished, with rows and time.
 */
import { NotFoundError, UnavailableError } from '../core/errors.js';
import { authorizeRead, logRead, readRefusal } from '../access/authorize-read.js';
import type { ReadAllowed } from '../access/decide-read.js';
import type { AccessScope } from '../access/principal.js';
import { maskedSelect } from '../engine/masked-select.js';
import { readCurrentSnapshot } from '../ports/warehouse.js';
import { openWarehouseStore } from '../ports/warehouse/open-warehouse-store.js';
import type { Registry } from '../registry/registry.js';
import { parquetRelation } from './query-sandbox.js';
import type { QueryCatalog, ResolvedTable, TableCandidate } from './run-query.js';

export interface AccessCatalogOptions {
  readonly warehouseDir: string;
  /** MESH_MASKING_KEY, or the development key on this machine. */
  readonly hashKey: string;
  /** A server: hashed columns are refused without a real key. */
  readonly requireHashKey?: boolean;
}

export interface AccessCatalog extends QueryCatalog {
  /** One audit row per product the query read; `failure` says why a query that read them did not finish. */
  logReads(outcome: { rows: number; durationMs: number; failure?: string }): Promise<void>;
}

export function accessQueryCatalog(
  registry: Registry,
  scope: AccessScope,
  options: AccessCatalogOptions,
): AccessCatalog {
  const reads: Array<{ decision: ReadAllowed; masked: readonly string[] }> = [];
  return {
    async resolve(written: string, candidates: readonly TableCandidate[]): Promise<ResolvedTable> {
      for (const candidate of candidates) {
        const ref = `${candidate.domain}/${candidate.name}${candidate.major === undefined ? '' : `@${candidate.major}`}`;
        const authorized = await authorizeRead(registry, scope, ref).catch((error: unknown) => {
          if (error instanceof NotFoundError) return undefined;
          throw error;
        });
        if (!authorized) continue;
        const { target, decision } = authorized;
        if (!decision.allowed) {
          await logRead(registry, decision, 'query');
          throw readRefusal(decision);
        }
        const snapshot = await readCurrentSnapshot(
          registry,
          openWarehouseStore(options.warehouseDir),
          target.product,
          target.major,
        );
        if (!snapshot)
          throw new NotFoundError(`${written}: ${target.product}@${target.major} has no snapshot yet`, {
            details: { hint: `mesh run ${target.product} publishes one` },
          });
        const select = maskedSelect(parquetRelation([snapshot.file]), target.columns, {
          piiCleared: decision.piiCleared,
          hashKey: options.hashKey,
        });
        if (select.hashes && options.requireHashKey)
          throw new UnavailableError('this server has no MESH_MASKING_KEY, so it cannot serve hashed columns', {
            details: { hint: 'the operator sets MESH_MASKING_KEY (a long random secret) in the server environment' },
          });
        reads.push({ decision, masked: select.masked });
        return {
          product: target.product,
          major: target.major,
          snapshotId: snapshot.snapshotId,
          files: [snapshot.file],
          select: select.sql,
          maskedColumns: select.masked,
        };
      }
      throw new NotFoundError(`no data product ${written} in the catalog`, {
        details: { hint: 'name products as domain.product or domain.product_v<major>; mesh catalog search finds them' },
      });
    },
    async logReads(outcome) {
      for (const read of reads)
        await logRead(registry, withFailure(read.decision, outcome.failure), 'query', {
          maskedColumns: read.masked,
          rows: outcome.rows,
          durationMs: outcome.durationMs,
        });
    },
  };
}

function withFailure(decision: ReadAllowed, failure: string | undefined): ReadAllowed {
  return failure ? { ...decision, reason: `${decision.reason}; ${failure}` } : decision;
}
