/** The shapes of the access methods of MeshApi (requests, grants, the audit log, downloads). */
import type {
  AccessLogRecord,
  AccessRequestRecord,
  GrantRecord,
} from '../registry/operations/access/access-records.js';

export const DATA_FORMATS = ['parquet', 'csv', 'json'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export interface AccessRequestInput {
  /** `domain/name` (every major) or `domain/name@major`. */
  readonly product: string;
  readonly team: string;
  readonly purpose: string;
  readonly pii?: boolean;
  /** How long the grant lasts once approved, e.g. `90d`. */
  readonly expires?: string;
}

export interface AccessRequestOutcome {
  readonly request: AccessRequestRecord;
  /** Set when the request was approved at once (access.autoApprove). */
  readonly grant: GrantRecord | null;
}

export interface AccessDecisionOutcome {
  readonly request: AccessRequestRecord;
  readonly grant: GrantRecord | null;
}

export interface AccessListing {
  readonly grants: GrantRecord[];
  readonly requests: AccessRequestRecord[];
}

export interface AccessListOptions {
  readonly product?: string;
  readonly team?: string;
  readonly pending?: boolean;
}

export interface AccessLogOptions {
  readonly product?: string;
  readonly team?: string;
  /** An ISO time, or a duration back from now (`24h`). */
  readonly since?: string;
  readonly limit?: number;
}

/** A product's current snapshot as the reader may see it, streamed. */
export interface DataExport {
  readonly product: string;
  readonly major: number;
  readonly snapshotId: string;
  readonly format: DataFormat;
  readonly rows: number;
  readonly maskedColumns: string[];
  readonly piiCleared: boolean;
  readonly contentType: string;
  readonly body: ReadableStream<Uint8Array>;
}

export type { AccessLogRecord, AccessRequestRecord, GrantRecord };
