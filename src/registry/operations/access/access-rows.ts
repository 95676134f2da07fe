/** Table rows → records (0/1 → booleans, JSON text → arrays), shared by the access operations. */
import type { Selectable } from 'kysely';
import type { AccessLogTable, AccessRequestTable, GrantTable } from '../../registry-schema.js';
import type {
  AccessLogRecord,
  AccessRequestRecord,
  GranteeKind,
  GrantRecord,
  RequestStatus,
} from './access-records.js';

export function grantRecord(r: Selectable<GrantTable>): GrantRecord {
  return {
    id: r.id,
    product: r.product_id,
    major: r.major === null ? null : Number(r.major),
    granteeKind: r.grantee_kind as GranteeKind,
    grantee: r.grantee,
    pii: Number(r.pii) === 1,
    origin: r.origin as GrantRecord['origin'],
    requestId: r.request_id,
    grantedBy: r.granted_by,
    grantedAt: r.granted_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
  };
}

export function requestRecord(r: Selectable<AccessRequestTable>): AccessRequestRecord {
  return {
    id: r.id,
    product: r.product_id,
    major: r.major === null ? null : Number(r.major),
    team: r.team,
    purpose: r.purpose,
    pii: Number(r.pii) === 1,
    expires: r.expires,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    status: r.status as RequestStatus,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    reason: r.reason,
    grantId: r.grant_id,
  };
}

export function logRecord(r: Selectable<AccessLogTable>): AccessLogRecord {
  return {
    id: Number(r.id),
    time: r.time,
    user: r.user_name,
    team: r.team,
    product: r.product_id,
    major: r.major === null ? null : Number(r.major),
    path: r.path,
    allowed: Number(r.allowed) === 1,
    reason: r.reason,
    grantId: r.grant_id,
    maskedColumns: JSON.parse(r.masked_columns) as string[],
    rows: r.rows === null ? null : Number(r.rows),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  };
}

/** `sales/orders@1` or `sales/orders` (every major). */
export function grantTarget(product: string, major: number | null): string {
  return major === null ? product : `${product}@${major}`;
}
