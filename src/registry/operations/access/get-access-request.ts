import { NotFoundError } from '../../../core/errors.js';
import type { RegistryTx } from '../../registry.js';
import type { AccessRequestRecord } from './access-records.js';
import { requestRecord } from './access-rows.js';

export async function getAccessRequest(db: RegistryTx, id: string): Promise<AccessRequestRecord> {
  const row = await db.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row)
    throw new NotFoundError(`no access request ${id}`, { details: { hint: 'mesh access list --pending lists them' } });
  return requestRecord(row);
}
