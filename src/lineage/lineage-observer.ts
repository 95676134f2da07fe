/**
 * OpenLineage for every run: a RunObserver that turns the runner's lifecycle into RunEvents
 * (START, then COMPLETE or FAIL with the output schema, the data-quality assertions of the
 * audit and the row count). Emission never fails a run; `flush` waits for the events so a
 * short-lived CLI process does not exit before they are sent.
 */
import type { RunObserver } from '../runner/run-observer.js';
import type { RunOutcome } from '../runner/run-outcome.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import type { LineageEmitter } from './lineage-emitter.js';
import { columnLineage, type ColumnLineage, type InputColumn } from './column-lineage.js';
import type { ResolvedSource, SourceDataset } from './source-datasets.js';
import {
  buildRunEvent,
  type LineageColumns,
  type LineageInputField,
  type LineageRunData,
} from './openlineage-event.js';

export interface LineageObserver extends RunObserver {
  flush(): Promise<void>;
}

/** What a run's events say about the product: inputs, output schema, SQL (connection strings stay `${VAR}` references). */
export function lineageRunData(
  descriptor: DataProduct,
  transformSql: string | null | undefined,
): Omit<LineageRunData, 'eventType' | 'eventTime' | 'runId'> {
  const m = descriptor.metadata;
  return {
    product: `${m.domain}/${m.name}`,
    version: m.version,
    description: m.description,
    owner: m.owner,
    inputs: descriptor.spec.inputs.map((i) => inputDataset(i)),
    outputSchema: descriptor.spec.schema.columns.map((c) => ({
      name: c.name,
      type: c.type,
      description: c.description,
    })),
    transformSql: transformSql ?? undefined,
  };
}

type InputSpecOf = DataProduct['spec']['inputs'][number];

function inputDataset(i: InputSpecOf): { namespace?: string; name: string } {
  return i.product
    ? { name: i.product.split('@')[0] }
    : {
        namespace: `${i.source?.type ?? 'source'}://${i.source?.connection ?? i.source?.path ?? i.name}`,
        name: i.name,
      };
}

/**
 * The event's inputs with source inputs named as the run resolved them (one dataset per table
 * read); an input the run could not resolve keeps its declared form (a `${VAR}` reference).
 */
export function resolvedInputs(descriptor: DataProduct, sources: readonly ResolvedSource[] = []) {
  const resolved = new Map(sources.map((s) => [s.input, s.datasets]));
  return descriptor.spec.inputs.flatMap((i): Array<{ namespace?: string; name: string }> => {
    const datasets = resolved.get(i.name);
    return datasets?.length ? datasets : [inputDataset(i)];
  });
}

/** Column lineage as the OpenLineage facet body, input datasets named as the event's inputs. */
export function columnLineageFacet(
  descriptor: DataProduct,
  lineage: ColumnLineage,
  sources: readonly ResolvedSource[] = [],
): LineageColumns {
  const resolved = new Map(sources.map((s) => [s.input, s.datasets]));
  // A source input is the tables its query read: a column of it comes from one of them (the
  // source query is not followed column by column), so each is named.
  const named = (i: InputSpecOf): Array<{ namespace?: string; name: string }> => {
    const tables: SourceDataset[] | undefined = resolved.get(i.name);
    return tables?.length ? tables : [inputDataset(i)];
  };
  const datasets = new Map(descriptor.spec.inputs.map((i) => [i.name.toLowerCase(), named(i)]));
  const field = (ref: InputColumn, type: 'DIRECT' | 'INDIRECT', subtype: string): LineageInputField[] =>
    (datasets.get(ref.input) ?? [{ name: ref.input }]).map((ds) => ({
      namespace: ds.namespace ?? 'meshwork',
      name: ds.name,
      field: ref.column,
      transformations: [{ type, subtype }],
    }));
  const fields: Record<string, LineageColumns['fields'][string]> = {};
  for (const c of lineage.columns)
    fields[c.column] =
      c.kind === 'unknown'
        ? { inputFields: [], transformationDescription: `unknown: ${c.reason ?? 'not followed'}` }
        : { inputFields: c.inputs.flatMap((r) => field(r, 'DIRECT', c.kind.toUpperCase())) };
  return { fields, dataset: lineage.dataset.flatMap((d) => field(d, 'INDIRECT', d.kind.toUpperCase())) };
}

export function lineageObserver(
  emit: LineageEmitter,
  descriptor: DataProduct,
  transformSql: string | null | undefined,
  next: RunObserver = {},
  sources: Promise<readonly ResolvedSource[]> = Promise.resolve([]),
): LineageObserver {
  const base = lineageRunData(descriptor, transformSql);
  const resolved = sources.catch(() => [] as readonly ResolvedSource[]);
  // Parsed once per run, off the run's path: events wait for it, the pipeline does not.
  const columns: Promise<LineageColumns | undefined> = transformSql
    ? Promise.all([
        columnLineage(
          transformSql,
          descriptor.spec.inputs.map((i) => i.name),
          descriptor.spec.schema.columns.map((c) => c.name),
        ),
        resolved,
      ])
        .then(([lineage, named]) => columnLineageFacet(descriptor, lineage, named))
        .catch(() => undefined)
    : Promise.resolve(undefined);
  const pending: Array<Promise<void>> = [];
  const send = (data: LineageRunData) =>
    pending.push(
      Promise.all([columns, resolved])
        .then(([columnLineage, named]) =>
          emit(
            buildRunEvent({
              ...data,
              inputs: resolvedInputs(descriptor, named),
              ...(columnLineage ? { columnLineage } : {}),
            }),
          ),
        )
        .catch(() => undefined),
    );
  const finish = (outcome: RunOutcome) =>
    send({
      ...base,
      runId: outcome.runId,
      eventType: outcome.status === 'succeeded' ? 'COMPLETE' : 'FAIL',
      eventTime: outcome.finishedAt,
      rowCount: outcome.rowsOut ?? undefined,
      error: outcome.error ?? undefined,
      checks: outcome.checks.map((c) => ({
        assertion: c.type,
        success: c.status === 'pass',
        severity: c.severity,
        name: c.name,
        column: columnOf(descriptor, c.position),
      })),
    });
  return {
    ...next,
    onStart(info) {
      send({ ...base, runId: info.runId, eventType: 'START', eventTime: info.startedAt });
      next.onStart?.(info);
    },
    onComplete(outcome) {
      finish(outcome);
      next.onComplete?.(outcome);
    },
    onFail(outcome) {
      finish(outcome);
      next.onFail?.(outcome);
    },
    async flush() {
      await Promise.all(pending);
    },
  };
}

function columnOf(descriptor: DataProduct, position: number): string | undefined {
  const check = descriptor.spec.quality?.checks[position];
  return check?.column ?? (check?.columns?.length === 1 ? check.columns[0] : undefined);
}
