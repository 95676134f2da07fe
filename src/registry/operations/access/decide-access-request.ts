import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../../core/errors.js';
import { parseDuration } from '../../../descriptor/duration.js';
import { nowIso, writeTransaction, type Registry } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';
import type { AccessRequestRecord, GrantRecord } from './access-records.js';
import { grantRecord, requestRecord } from './access-rows.js';
import { getAccessRequest } from './get-access-request.js';

export interface AccessDecisionInput {
  readonly id: string;
  readonly approve: boolean;
  readonly decidedBy: string;
  readonly reason: string | null;
}

/**
 * Approves (a grant to the request's team, expiring `expires` after now) or denies a pending
 * request, with its event, in one transaction. A request already decided is a ConflictError:
 * the status is checked and changed by one conditional update, so two approvers cannot both win.
 */
export async function decideAccessRequest(
  registry: Registry,
  input: AccessDecisionInput,
): Promise<{ request: AccessRequestRecord; grant: GrantRecord | null }> {
  return writeTransaction(registry, async (tx) => {
    const request = await getAccessRequest(tx, input.id);
    const now = nowIso();
    const grantId = input.approve ? `grant-${randomBytes(5).toString('hex')}` : null;
    const updated = await tx
      .updateTable('access_requests')
      .set({
        status: input.approve ? 'approved' : 'denied',
        decided_by: input.decidedBy,
        decided_at: now,
        reason: input.reason,
        grant_id: grantId,
      })
      .where('id', '=', input.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      throw new ConflictError(`access request ${input.id} was already ${request.status} by ${request.decidedBy}`, {
        details: { hint: `mesh access list --product ${request.product} shows its grant` },
      });
    let grant: GrantRecord | null = null;
    if (grantId) {
      const ms = request.expires ? parseDuration(request.expires) : undefined;
      const row = {
        id: grantId,
        product_id: request.product,
        major: request.major,
        grantee_kind: 'team',
        grantee: request.team,
        pii: request.pii ? 1 : 0,
        origin: 'request',
        request_id: request.id,
        granted_by: input.decidedBy,
        granted_at: now,
        expires_at: ms === undefined ? null : new Date(Date.parse(now) + ms).toISOString(),
        revoked_at: null,
        revoked_by: null,
        expiry_noted: 0,
      };
      await tx.insertInto('grants').values(row).execute();
      grant = grantRecord(row);
    }
    await appendEvent(tx, {
      type: input.approve ? 'access.granted' : 'access.denied',
      subject: request.product,
      actor: input.decidedBy,
      data: {
        request: request.id,
        product: request.product,
        major: request.major,
        team: request.team,
        pii: request.pii,
        grant: grantId,
        expiresAt: grant?.expiresAt ?? null,
        reason: input.reason,
      },
    });
    return {
      request: requestRecord(
        await tx.selectFrom('access_requests').selectAll().where('id', '=', input.id).executeTakeFirstOrThrow(),
      ),
      grant,
    };
  });
}
