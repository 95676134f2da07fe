/** Who calls the platform: the roles and the principal a token stands for (used by registry, server and access). */
export const ROLES = ['admin', 'governance', 'member', 'consumer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: a token's user, its role, and the domains their teams belong to. */
export interface Principal {
  readonly user: string;
  readonly role: Role;
  readonly domains: readonly string[];
  readonly tokenId?: string;
}
