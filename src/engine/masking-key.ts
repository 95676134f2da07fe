/**
 * The key masked hashes are computed with: MESH_MASKING_KEY from the environment, never stored
 * or logged. Without it a fixed development key is used (documented: its hashes can be reversed
 * by a dictionary), which a server refuses for anything it serves.
 */
import { createHash } from 'node:crypto';

export const DEVELOPMENT_MASKING_KEY = 'meshwork-development-masking-key';

export function maskingKeyFromEnv(env: NodeJS.ProcessEnv = process.env): { key: string; fromEnv: boolean } {
  const key = env.MESH_MASKING_KEY;
  return key ? { key, fromEnv: true } : { key: DEVELOPMENT_MASKING_KEY, fromEnv: false };
}

/** `sha256:` and 16 hex digits of sha256(key || text): equal values hash equal in every product. */
export function maskHash(key: string, text: string): string {
  return `sha256:${createHash('sha256')
    .update(key + text)
    .digest('hex')
    .slice(0, 16)}`;
}
