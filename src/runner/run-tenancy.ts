/**
 * What one run of one product may reach, from the platform's configuration: the environment
 * variables its domain is entitled to (env-scope.ts), the folders its file inputs may read
 * (file-roots.ts), and the record of every value it resolved, scrubbed from all it records.
 */
import type { MeshConfig } from '../core/mesh-config.js';
import { parseDomainList, type EnvScope } from '../core/env-scope.js';
import type { FileRoots } from './file-roots.js';
import { ResolvedValues, runEnvironment } from '../core/resolve-env.js';

export interface RunTenancy {
  readonly domain: string;
  readonly scope: EnvScope;
  readonly roots: FileRoots;
  readonly resolved: ResolvedValues;
}

export function runTenancy(config: MeshConfig, domain: string): RunTenancy {
  const mode = config.tenancy?.mode ?? 'local';
  const grants = parseDomainList(config.tenancy?.envGrants)?.map((g) => ({ domain: g.domain, pattern: g.value }));
  const roots = parseDomainList(config.tenancy?.dataRoots)?.map((r) => ({ domain: r.domain, dir: r.value }));
  return {
    domain,
    scope: { mode, grants },
    roots: { mode, roots, platformDirs: [config.home, config.warehouseDir] },
    resolved: new ResolvedValues(),
  };
}

/** The environment a run's steps resolve `${VAR}` in: scoped to the domain, recording what it resolves. */
export function tenantEnvironment(env: NodeJS.ProcessEnv, tenancy: RunTenancy): NodeJS.ProcessEnv {
  return runEnvironment(env, tenancy.scope, tenancy.domain, tenancy.resolved);
}
