import { ConflictError, InputError, NotFoundError } from '../../../core/errors.js';
import { nowIso, writeTransaction, type Registry, type RegistryTx } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';
import type { GrantRecord } from './access-records.js';
import { grantRecord } from './access-rows.js';

export async function getGrant(db: RegistryTx, id: string): Promise<GrantRecord> {
  const row = await db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row)
    throw new NotFoundError(`no grant ${id}`, { details: { hint: 'mesh access list --product <p> lists them' } });
  return grantRecord(row);
}

/** Revokes a grant given by a request; it stops working at the next read. Standing grants change with the descriptor. */
export async function revokeGrant(registry: Registry, id: string, by: string): Promise<GrantRecord> {
  return writeTransaction(registry, async (tx) => {
    const grant = await getGrant(tx, id);
    if (grant.origin === 'standing')
      throw new InputError(`grant ${id} comes from ${grant.product}'s descriptor (access.allow / access.pii)`, {
        details: { hint: 'remove the reader from spec.access and publish a new version' },
      });
    const now = nowIso();
    const updated = await tx
      .updateTable('grants')
      .set({ revoked_at: now, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      throw new ConflictError(`grant ${id} was already revoked at ${grant.revokedAt} by ${grant.revokedBy}`);
    await appendEvent(tx, {
      type: 'access.revoked',
      subject: grant.product,
      actor: by,
      data: { grant: id, product: grant.product, major: grant.major, team: grant.grantee, request: grant.requestId },
    });
    return { ...grant, revokedAt: now, revokedBy: by };
  });
}
