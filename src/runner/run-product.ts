/**
 * Running a published product by id: what `mesh run <ref>`, the HTTP API and the server's
 * scheduler call. The pipeline comes from the registry (descriptor + transform SQL of the
 * latest version), so a run is reproducible from what was published.
 */
import { NotFoundError } from '../core/errors.js';
import type { MeshConfig } from '../platform/mesh-config.js';
import { getVersion, type VersionDetail } from '../registry/operations/products/read-products.js';
import type { Registry } from '../registry/registry.js';
import { runPipeline, type RunPipelineOptions } from './run-pipeline.js';
import type { RunOutcome } from './run-outcome.js';

export interface RunProductOptions extends Omit<RunPipelineOptions, 'registry' | 'config' | 'dryRun'> {
  /** An exact version; default: the latest published one. */
  readonly version?: string;
  /** Relative file paths of file inputs resolve here (default: the working directory). */
  readonly baseDir?: string;
  /** The version to run, when the caller has already read it (saves reading it again). */
  readonly published?: VersionDetail;
}

export async function runPublishedProduct(registry: Registry, config: MeshConfig, productId: string, options: RunProductOptions = {}): Promise<RunOutcome> {
  const { published, version: wanted, baseDir, ...runOptions } = options;
  const version = published ?? (await getVersion(registry, productId, { version: wanted }));
  if (!version) throw new NotFoundError(`no product ${productId} in the catalog`, { details: { hint: 'mesh publish it first; mesh catalog list shows what is published' } });
  return runPipeline(
    { productId, version: version.version, major: version.major, product: version.descriptor, transformSql: version.transformSql ?? undefined, baseDir: baseDir ?? process.cwd() },
    { ...runOptions, registry, config },
  );
}

/** The scheduler's entry point: run a product by id with the platform's registry and config. */
export async function runPipelineById(platform: { registry(): Promise<Registry>; readonly config: MeshConfig }, productId: string, options: RunProductOptions = {}): Promise<RunOutcome> {
  return runPublishedProduct(await platform.registry(), platform.config, productId, { trigger: 'schedule', ...options });
}
