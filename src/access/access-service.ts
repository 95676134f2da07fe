/**
 * Requests, decisions, revocations, listings and the audit log over the registry, with the
 * access rights checked against the caller's scope: what LocalPlatform's access methods do,
 * in local and server mode alike.
 */
import { nowMs } from '../core/clock.js';
import { InputError, NotAllowedError } from '../core/errors.js';
import { parseDuration } from '../descriptor/duration.js';
import { parseProductRef, productId } from '../descriptor/product-ref.js';
import { createAccessRequest } from '../registry/operations/access/create-access-request.js';
import { decideAccessRequest } from '../registry/operations/access/decide-access-request.js';
import { getAccessRequest } from '../registry/operations/access/get-access-request.js';
import { listAccessLog } from '../registry/operations/access/list-access-log.js';
import { listAccessRequests } from '../registry/operations/access/list-access-requests.js';
import { listGrants } from '../registry/operations/access/list-grants.js';
import { getGrant, revokeGrant } from '../registry/operations/access/revoke-grant.js';
import { readerMembership } from '../registry/operations/access/reader-membership.js';
import { getVersion } from '../registry/operations/products/read-products.js';
import type { Registry } from '../registry/registry.js';
import type {
  AccessDecisionOutcome,
  AccessListing,
  AccessListOptions,
  AccessLogOptions,
  AccessLogRecord,
  AccessRequestInput,
  AccessRequestOutcome,
  GrantRecord,
} from './access-api.js';
import { requireOwner, requireTeamMember } from './access-rights.js';
import type { AccessScope } from './principal.js';
import { resolveReader } from './resolve-reader.js';

export const AUTO_APPROVER = 'meshwork:auto-approve';

export async function requestAccess(
  registry: Registry,
  scope: AccessScope,
  input: AccessRequestInput,
): Promise<AccessRequestOutcome> {
  const parsed = parseProductRef(input.product);
  if (!parsed || parsed.version)
    throw new InputError(`"${input.product}" is not a product to request; write domain/name or domain/name@major`);
  if (!input.team?.trim()) throw new InputError('a request names the team it is for: --team <team>');
  if (!input.purpose?.trim()) throw new InputError('a request says why: --purpose "<what the data is for>"');
  if (input.expires !== undefined && parseDuration(input.expires) === undefined)
    throw new InputError(`invalid expiry "${input.expires}": a duration such as 90d, 12h or 2w`);
  const reader = await resolveReader(registry.db, scope);
  requireTeamMember(reader, input.team, 'request access');
  const product = productId(parsed.domain, parsed.name);
  if (!input.pii) await requireMaskedPorts(registry, product, parsed.major);
  const request = await createAccessRequest(registry, {
    product,
    major: parsed.major ?? null,
    team: input.team,
    purpose: input.purpose.trim(),
    pii: Boolean(input.pii),
    expires: input.expires ?? null,
    requestedBy: scope.principal.user,
  });
  if (request.pii || !(await autoApproves(registry, product, parsed.major, input.team)))
    return { request, grant: null };
  return decideAccessRequest(registry, {
    id: request.id,
    approve: true,
    decidedBy: AUTO_APPROVER,
    reason: 'access.autoApprove',
  });
}

/** A product with a stream in clear (readers: pii-cleared) admits only PII-cleared teams: a request without --pii is refused. */
async function requireMaskedPorts(registry: Registry, product: string, major: number | undefined): Promise<void> {
  const version = await getVersion(registry, product, { major });
  const clear = version?.descriptor.spec.outputPorts.find((p) => p.readers === 'pii-cleared');
  if (clear)
    throw new InputError(
      `${product} publishes PII in clear on output port ${clear.name} (readers: pii-cleared): it admits only PII-cleared teams`,
      { details: { hint: 'ask with --pii, saying why the team needs the PII in clear' } },
    );
}

/** access.autoApprove of the latest version (of the major asked for): the team, or a domain it belongs to. PII requests always go to a person. */
async function autoApproves(registry: Registry, product: string, major: number | undefined, team: string) {
  const version = await getVersion(registry, product, { major });
  const rules = version?.descriptor.spec.access?.autoApprove ?? [];
  if (rules.length === 0) return false;
  const { domains } = await readerMembership(registry.db, '', [team]);
  return rules.some((r) => r.team === team || (r.domain !== undefined && domains.includes(r.domain)));
}

export async function decideAccess(
  registry: Registry,
  scope: AccessScope,
  id: string,
  input: { approve: boolean; reason?: string },
): Promise<AccessDecisionOutcome> {
  const reader = await resolveReader(registry.db, scope);
  const request = await getAccessRequest(registry.db, id);
  requireOwner(reader, request.product, input.approve ? 'approve access' : 'deny access');
  return decideAccessRequest(registry, {
    id,
    approve: input.approve,
    decidedBy: scope.principal.user,
    reason: input.reason?.trim() || null,
  });
}

export async function revokeAccess(registry: Registry, scope: AccessScope, grantId: string): Promise<GrantRecord> {
  const reader = await resolveReader(registry.db, scope);
  const grant = await getGrant(registry.db, grantId);
  requireOwner(reader, grant.product, 'revoke access');
  return revokeGrant(registry, grantId, scope.principal.user);
}

/** Grants and requests are metadata, not data: everyone may list them. */
export async function listAccess(registry: Registry, options: AccessListOptions = {}): Promise<AccessListing> {
  const product = options.product ? productOf(options.product) : undefined;
  const [grants, requests] = await Promise.all([
    options.pending ? Promise.resolve([]) : listGrants(registry, { product, team: options.team }),
    listAccessRequests(registry, { product, team: options.team, pending: options.pending }),
  ]);
  return { grants, requests };
}

/**
 * The audit log: admins and governance see all of it; others the reads of their own products
 * (owning domain), of their teams and their own.
 */
export async function accessLog(
  registry: Registry,
  scope: AccessScope,
  options: AccessLogOptions = {},
): Promise<AccessLogRecord[]> {
  const since = options.since === undefined ? undefined : sinceTime(options.since);
  const rows = await listAccessLog(registry, {
    product: options.product ? productOf(options.product) : undefined,
    team: options.team,
    since,
    limit: options.limit,
  });
  const reader = await resolveReader(registry.db, scope);
  if ((reader.role === 'admin' && !reader.asTeam) || reader.role === 'governance') return rows;
  if (options.product && !reader.domains.includes(productOf(options.product).split('/')[0]) && !options.team)
    throw new NotAllowedError(`${reader.user} may not read the access log of ${options.product}: not its owner`, {
      details: {
        hint: 'owners (members of its domain), governance and admins read it; --team <yours> shows your reads',
      },
    });
  return rows.filter(
    (r) =>
      reader.domains.includes(r.product.split('/')[0]) ||
      r.user === reader.user ||
      (r.team !== null && reader.teams.includes(r.team)),
  );
}

function productOf(ref: string): string {
  const parsed = parseProductRef(ref);
  if (!parsed || parsed.version || parsed.major !== undefined)
    throw new InputError(`"${ref}" is not a product; write domain/name`);
  return productId(parsed.domain, parsed.name);
}

function sinceTime(text: string): string {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(nowMs() - ms).toISOString();
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new InputError(`invalid --since "${text}": an ISO time or a duration such as 24h`);
  return new Date(t).toISOString();
}
