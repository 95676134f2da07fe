import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError } from '../../../core/errors.js';
import type { Principal, Role } from '../../../core/principal.js';
import type { CreatedToken, TokenRecord } from './identity-records.js';
import { nowIso, writeTransaction, type Registry } from '../../registry.js';
import type { ApiTokenTable } from '../../registry-schema.js';
import { userDomains } from './teams.js';

const TOKEN_PREFIX = 'mesh_';

/** sha256 is enough: the secret has 192 random bits, so there is nothing to brute-force, and the lookup stays one index probe. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function toRecord(r: ApiTokenTable): TokenRecord {
  return {
    id: r.id,
    user: r.user_name,
    role: r.role as Role,
    label: r.label,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

export async function createToken(
  registry: Registry,
  input: { user: string; role: Role; expiresAt?: string; label?: string; createdBy: string },
): Promise<CreatedToken> {
  const secret = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
  const row: ApiTokenTable = {
    id: `tok_${randomBytes(6).toString('hex')}`,
    user_name: input.user,
    role: input.role,
    token_hash: hashToken(secret),
    label: input.label ?? null,
    created_by: input.createdBy,
    created_at: nowIso(),
    expires_at: input.expiresAt ?? null,
    revoked_at: null,
  };
  await writeTransaction(registry, async (tx) => {
    await tx
      .insertInto('users')
      .values({ name: input.user, created_at: row.created_at })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await tx.insertInto('api_tokens').values(row).execute();
  });
  return { ...toRecord(row), token: secret };
}

export async function listTokens(registry: Registry): Promise<TokenRecord[]> {
  const rows = await registry.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toRecord);
}

export async function revokeToken(registry: Registry, id: string): Promise<TokenRecord> {
  await registry.db
    .updateTable('api_tokens')
    .set({ revoked_at: nowIso() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  const row = await registry.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`no token ${id}`, { details: { hint: 'mesh token list shows token ids' } });
  return toRecord(row);
}

/** True when a live (unrevoked, unexpired) admin token exists: `mesh admin init` refuses then. */
export async function hasLiveAdmin(registry: Registry, now = nowIso()): Promise<boolean> {
  const row = await registry.db
    .selectFrom('api_tokens')
    .select('id')
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return Boolean(row);
}

/** The principal a secret stands for, or undefined for unknown, revoked and expired tokens alike (the caller learns nothing more). */
export async function authenticateToken(
  registry: Registry,
  secret: string,
  now = nowIso(),
): Promise<Principal | undefined> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return undefined;
  const row = await registry.db
    .selectFrom('api_tokens')
    .select(['id', 'user_name', 'role', 'expires_at', 'revoked_at'])
    .where('token_hash', '=', hashToken(secret))
    .executeTakeFirst();
  if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now)) return undefined;
  const role = row.role as Role;
  return {
    user: row.user_name,
    role,
    domains: role === 'member' ? await userDomains(registry.db, row.user_name) : [],
    tokenId: row.id,
  };
}
