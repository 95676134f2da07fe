import type { MeshApi } from '../platform/mesh-api.js';
import type { Principal, ServerApi } from './server-api.js';

/** What the authentication middleware leaves on every /v1 request. */
export type ServerPlatform = MeshApi & ServerApi;

export interface AppEnv {
  Variables: {
    principal: Principal;
    /** The platform as seen by the caller: already wrapped in AuthorizedPlatform. */
    api: ServerPlatform;
  };
}
