/**
 * Running a published product by id: what `mesh run <ref>`, the HTTP API and the server's
 * scheduler call. The pipeline comes from the registry (descriptor + transform SQL of the
 * latest version, or of the latest version of an older major that has not reached its sunset),
 * so a run is reproducible from what was published.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { MeshConfig } from '../core/mesh-config.js';
import { getVersion, type VersionDetail } from '../registry/operations/products/read-products.js';
import type { Registry } from '../registry/registry.js';
import { runPipeline, type RunPipelineOptions } from './run-pipeline.js';
import type { RunOutcome } from './run-outcome.js';

export interface RunProductOptions extends Omit<RunPipelineOptions, 'registry' | 'config' | 'dryRun'> {
  /** Relative file paths of file inputs resolve here (default: the working directory). */
  readonly baseDir?: string;
  /** What to run, when the caller has already resolved it (saves reading it again). */
  readonly target?: RunTarget;
  /** A major to run (default: the latest); an older one runs until its sunset. */
  readonly major?: number;
  /** An exact version (default: the latest of the major). */
  readonly version?: string;
}

/** The version a run executes, and the product's latest version when that is a newer major. */
export interface RunTarget {
  readonly version: VersionDetail;
  readonly successor?: VersionDetail;
}

/**
 * The latest version of `major` (default: of the product). A deprecated major still runs, beside
 * its successor, until its sunset; a retired one does not (its data is kept, no longer read).
 */
export async function resolveRunTarget(
  registry: Registry,
  productId: string,
  wanted: { major?: number; version?: string } = {},
): Promise<RunTarget> {
  const latest = await getVersion(registry, productId);
  if (!latest)
    throw new NotFoundError(`no product ${productId} in the catalog`, {
      details: { hint: 'mesh publish it first; mesh catalog list shows what is published' },
    });
  if (wanted.version === undefined && (wanted.major === undefined || wanted.major === latest.major))
    return { version: latest };
  const version = await getVersion(registry, productId, wanted);
  const major = version?.major ?? wanted.major;
  if (!version)
    throw new NotFoundError(
      `${productId} has no ${wanted.version ? `version ${wanted.version}` : `major ${major}`}; its latest is ${latest.version}`,
      { details: { hint: `mesh show ${productId} lists its versions` } },
    );
  if (version.major === latest.major) return { version };
  if (version.status === 'retired') {
    throw new ConflictError(
      `${productId}@${major} was retired${version.sunsetAt ? ` at its sunset (${version.sunsetAt})` : ''}: it no longer runs; its data is kept`,
      {
        details: { hint: `run the current major: mesh run ${productId}` },
      },
    );
  }
  return { version, successor: latest };
}

export async function runPublishedProduct(
  registry: Registry,
  config: MeshConfig,
  productId: string,
  options: RunProductOptions = {},
): Promise<RunOutcome> {
  const { target: given, major, version: exact, baseDir, ...runOptions } = options;
  const { version, successor } = given ?? (await resolveRunTarget(registry, productId, { major, version: exact }));
  return runPipeline(
    {
      productId,
      version: version.version,
      major: version.major,
      product: version.descriptor,
      transformSql: version.transformSql ?? undefined,
      baseDir: baseDir ?? process.cwd(),
      successor: successor ? { version: successor.version, product: successor.descriptor } : undefined,
    },
    { ...runOptions, registry, config },
  );
}

/** The scheduler's entry point: run a product by id with the platform's registry and config. */
export async function runPipelineById(
  platform: { registry(): Promise<Registry>; readonly config: MeshConfig },
  productId: string,
  options: RunProductOptions = {},
): Promise<RunOutcome> {
  return runPublishedProduct(await platform.registry(), platform.config, productId, {
    trigger: 'schedule',
    ...options,
  });
}
