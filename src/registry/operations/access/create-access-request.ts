import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../../core/errors.js';
import { nowIso, writeTransaction, type Registry } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';
import type { AccessRequestRecord } from './access-records.js';
import { requestRecord } from './access-rows.js';

export interface NewAccessRequest {
  readonly product: string;
  readonly major: number | null;
  readonly team: string;
  readonly purpose: string;
  readonly pii: boolean;
  readonly expires: string | null;
  readonly requestedBy: string;
}

/** Records a pending request (and its `access.requested` event); the product, and the major if given, must exist. */
export async function createAccessRequest(registry: Registry, input: NewAccessRequest): Promise<AccessRequestRecord> {
  const id = `req-${randomBytes(5).toString('hex')}`;
  return writeTransaction(registry, async (tx) => {
    const product = await tx.selectFrom('products').select('id').where('id', '=', input.product).executeTakeFirst();
    if (!product)
      throw new NotFoundError(`no product ${input.product} in the catalog: nothing to request access to`, {
        details: { hint: 'mesh catalog search <text> finds products' },
      });
    if (input.major !== null) {
      const version = await tx
        .selectFrom('product_versions')
        .select('version')
        .where('product_id', '=', input.product)
        .where('major', '=', input.major)
        .executeTakeFirst();
      if (!version)
        throw new NotFoundError(`${input.product} has no major ${input.major}`, {
          details: { hint: `mesh versions ${input.product} lists its versions` },
        });
    }
    const row = {
      id,
      product_id: input.product,
      major: input.major,
      team: input.team,
      purpose: input.purpose,
      pii: input.pii ? 1 : 0,
      expires: input.expires,
      requested_by: input.requestedBy,
      requested_at: nowIso(),
      status: 'pending',
      decided_by: null,
      decided_at: null,
      reason: null,
      grant_id: null,
    };
    await tx.insertInto('access_requests').values(row).execute();
    await appendEvent(tx, {
      type: 'access.requested',
      subject: input.product,
      actor: input.requestedBy,
      data: {
        request: id,
        product: input.product,
        major: input.major,
        team: input.team,
        pii: input.pii,
        purpose: input.purpose,
      },
    });
    return requestRecord(row);
  });
}
