/**
 * OpenLineage RunEvents for a pipeline run: START, then COMPLETE or FAIL, with the output's
 * schema and data-quality assertions as facets. Built from plain run data, so the runner's
 * lifecycle callbacks can call it with what they know at each step.
 */
import { createHash } from 'node:crypto';

export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const MESHWORK_PRODUCER = 'https://meshwork.dev/producer/meshwork/0.1.0';
export const MESHWORK_NAMESPACE = 'meshwork';

const FACET_SCHEMAS = {
  schema: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  dataQualityAssertions:
    'https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
  errorMessage: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  jobType: 'https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  sql: 'https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet',
  documentation:
    'https://openlineage.io/spec/facets/1-1-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet',
  ownership: 'https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet',
  outputStatistics:
    'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
  columnLineage:
    'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
} as const;

/** One input field of the columnLineage facet. */
export interface LineageInputField {
  readonly namespace: string;
  readonly name: string;
  readonly field: string;
  readonly transformations: ReadonlyArray<{ readonly type: 'DIRECT' | 'INDIRECT'; readonly subtype: string }>;
}

/** The body of the columnLineage facet: per output column, and for the whole dataset. */
export interface LineageColumns {
  readonly fields: Readonly<
    Record<string, { readonly inputFields: readonly LineageInputField[]; readonly transformationDescription?: string }>
  >;
  readonly dataset: readonly LineageInputField[];
}

export interface LineageInput {
  /** A product input (domain/name) or a source: namespace like `postgres://${ORDERS_DB_URI}` (a reference, never a resolved secret). */
  readonly namespace?: string;
  readonly name: string;
}

export interface LineageCheck {
  readonly assertion: string;
  readonly success: boolean;
  readonly column?: string;
  readonly severity?: 'error' | 'warn';
  readonly name?: string;
}

export interface LineageRunData {
  readonly eventType: 'START' | 'COMPLETE' | 'FAIL';
  readonly eventTime: string;
  /** The runner's run id; turned into a stable UUID when it is not one. */
  readonly runId: string;
  /** domain/name */
  readonly product: string;
  readonly version?: string;
  readonly description?: string;
  readonly owner?: string;
  readonly inputs?: readonly LineageInput[];
  readonly outputSchema?: ReadonlyArray<{
    readonly name: string;
    readonly type: string;
    readonly description?: string;
  }>;
  readonly checks?: readonly LineageCheck[];
  readonly transformSql?: string;
  readonly rowCount?: number;
  readonly error?: string;
  /** Column lineage of the transform (from the engine's parse of its SQL). */
  readonly columnLineage?: LineageColumns;
}

const facet = (schemaURL: string, body: Record<string, unknown>, producer: string) => ({
  _producer: producer,
  _schemaURL: schemaURL,
  ...body,
});

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A run id as the UUID OpenLineage wants: kept when it is one, otherwise a name-based (v5-style) UUID of it. */
export function lineageRunId(runId: string): string {
  if (UUID_RE.test(runId)) return runId.toLowerCase();
  const h = createHash('sha256').update(`meshwork-run:${runId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function buildRunEvent(data: LineageRunData, producer = MESHWORK_PRODUCER): Record<string, unknown> {
  const outputFacets: Record<string, unknown> = {};
  if (data.outputSchema) {
    outputFacets.schema = facet(
      FACET_SCHEMAS.schema,
      {
        fields: data.outputSchema.map((c, i) => ({
          name: c.name,
          type: c.type,
          ...(c.description ? { description: c.description } : {}),
          ordinal_position: i + 1,
        })),
      },
      producer,
    );
  }
  if (data.checks?.length) {
    outputFacets.dataQualityAssertions = facet(
      FACET_SCHEMAS.dataQualityAssertions,
      {
        assertions: data.checks.map((c) => ({
          assertion: c.assertion,
          success: c.success,
          ...(c.column ? { column: c.column } : {}),
          ...(c.severity ? { severity: c.severity } : {}),
          ...(c.name ? { name: c.name } : {}),
        })),
      },
      producer,
    );
  }
  if (data.columnLineage)
    outputFacets.columnLineage = facet(
      FACET_SCHEMAS.columnLineage,
      { fields: data.columnLineage.fields, dataset: data.columnLineage.dataset },
      producer,
    );
  if (data.description)
    outputFacets.documentation = facet(FACET_SCHEMAS.documentation, { description: data.description }, producer);
  if (data.owner)
    outputFacets.ownership = facet(
      FACET_SCHEMAS.ownership,
      { owners: [{ name: `team:${data.owner}`, type: 'OWNER' }] },
      producer,
    );
  const output: Record<string, unknown> = { namespace: MESHWORK_NAMESPACE, name: data.product, facets: outputFacets };
  if (data.rowCount !== undefined && data.eventType === 'COMPLETE')
    output.outputFacets = {
      outputStatistics: facet(FACET_SCHEMAS.outputStatistics, { rowCount: data.rowCount }, producer),
    };
  const jobFacets: Record<string, unknown> = {
    jobType: facet(
      FACET_SCHEMAS.jobType,
      { processingType: 'BATCH', integration: 'MESHWORK', jobType: 'DATA_PRODUCT' },
      producer,
    ),
  };
  if (data.transformSql) jobFacets.sql = facet(FACET_SCHEMAS.sql, { query: data.transformSql }, producer);
  const runFacets: Record<string, unknown> = {};
  if (data.eventType === 'FAIL' && data.error)
    runFacets.errorMessage = facet(
      FACET_SCHEMAS.errorMessage,
      { message: data.error, programmingLanguage: 'TypeScript' },
      producer,
    );
  return {
    eventType: data.eventType,
    eventTime: data.eventTime,
    producer,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: { runId: lineageRunId(data.runId), facets: runFacets },
    job: { namespace: MESHWORK_NAMESPACE, name: data.product, facets: jobFacets },
    inputs: (data.inputs ?? []).map((i) => ({ namespace: i.namespace ?? MESHWORK_NAMESPACE, name: i.name })),
    outputs: [output],
  };
}
