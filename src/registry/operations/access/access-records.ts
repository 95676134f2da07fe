/**
 * The rows of access control as the rest of the platform sees them: grants (standing ones kept
 * in step with the descriptor, and those given by an approved request), requests and the audit
 * log. Booleans are 0/1 integers and times ISO strings, so every query is written once.
 */

/** Who a grant is for: a team, every team of a domain, one user, or everyone (`access.default: allow`). */
export type GranteeKind = 'team' | 'domain' | 'user' | 'everyone';

export interface GrantRecord {
  readonly id: string;
  readonly product: string;
  /** The one major it covers; null: every major. */
  readonly major: number | null;
  readonly granteeKind: GranteeKind;
  readonly grantee: string;
  /** True when it also clears PII: direct and sensitive columns come out in clear. */
  readonly pii: boolean;
  /** `standing`: from the descriptor's access.allow / access.pii; `request`: an approved request. */
  readonly origin: 'standing' | 'request';
  readonly requestId: string | null;
  readonly grantedBy: string;
  readonly grantedAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
}

export type RequestStatus = 'pending' | 'approved' | 'denied';

export interface AccessRequestRecord {
  readonly id: string;
  readonly product: string;
  readonly major: number | null;
  readonly team: string;
  readonly purpose: string;
  readonly pii: boolean;
  /** How long the grant lasts once approved (`90d`); null: until revoked. */
  readonly expires: string | null;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly status: RequestStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly reason: string | null;
  readonly grantId: string | null;
}

/** One read (or refused read) of a product's data. Never data values, never secrets. */
export interface AccessLogRecord {
  readonly id: number;
  readonly time: string;
  readonly user: string;
  readonly team: string | null;
  readonly product: string;
  readonly major: number | null;
  /** Which read path: `download`, `checks`, later `query`, `input`, `sql-port`. */
  readonly path: string;
  readonly allowed: boolean;
  /** Why: the grant that allowed it (`grant <id>`, `owner`, `admin`) or what was missing. */
  readonly reason: string;
  readonly grantId: string | null;
  readonly maskedColumns: string[];
  readonly rows: number | null;
  readonly durationMs: number | null;
}
