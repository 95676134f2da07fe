/**
 * Who reads. Self-contained on purpose (the server's identity types may move): a principal is a
 * user, a role and the teams they act through. The shells build it — the CLI on this machine is
 * the local admin unless `--as <team>`, the server takes it from the bearer token — and every
 * read method of MeshApi takes it, so a read path cannot reach data without saying who reads.
 */
export const ACCESS_ROLES = ['admin', 'governance', 'member', 'consumer'] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];

export interface AccessPrincipal {
  readonly user: string;
  readonly role: AccessRole;
  /** The teams the user acts through; omitted: their team membership in the registry. */
  readonly teams?: readonly string[];
}

/** The caller of a read: the principal, and the one team it reads for when it says so. */
export interface AccessScope {
  readonly principal: AccessPrincipal;
  /** Read only with this team's grants (`--as <team>`); a non-admin must belong to it. */
  readonly asTeam?: string;
}

/** A scope with the teams and their domains looked up: what the decision reads. */
export interface Reader {
  readonly user: string;
  readonly role: AccessRole;
  /** The teams whose grants count: `[asTeam]` when given, else every team of the user. */
  readonly teams: readonly string[];
  /** The domains of those teams: their members own the products of these domains. */
  readonly domains: readonly string[];
  readonly asTeam?: string;
}

/** This machine without a server: the operator is the admin, unless they read as a team. */
export function localScope(user: string, asTeam?: string): AccessScope {
  if (!asTeam) return { principal: { user, role: 'admin', teams: [] } };
  return { principal: { user, role: 'consumer', teams: [asTeam] }, asTeam };
}
