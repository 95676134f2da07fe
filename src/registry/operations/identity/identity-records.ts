/** Teams and API tokens as the registry returns them. */
import type { Role } from '../../../core/principal.js';

export interface TeamRecord {
  readonly name: string;
  readonly domains: string[];
  readonly members: string[];
}

export interface TokenRecord {
  readonly id: string;
  readonly user: string;
  readonly role: Role;
  readonly label: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

/** The secret is only ever in this response; the registry keeps its hash. */
export interface CreatedToken extends TokenRecord {
  readonly token: string;
}
