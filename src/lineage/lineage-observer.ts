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
import { buildRunEvent, type LineageRunData } from './openlineage-event.js';

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
    inputs: descriptor.spec.inputs.map((i) =>
      i.product
        ? { name: i.product.split('@')[0] }
        : {
            namespace: `${i.source?.type ?? 'source'}://${i.source?.connection ?? i.source?.path ?? i.name}`,
            name: i.name,
          },
    ),
    outputSchema: descriptor.spec.schema.columns.map((c) => ({
      name: c.name,
      type: c.type,
      description: c.description,
    })),
    transformSql: transformSql ?? undefined,
  };
}

export function lineageObserver(
  emit: LineageEmitter,
  descriptor: DataProduct,
  transformSql: string | null | undefined,
  next: RunObserver = {},
): LineageObserver {
  const base = lineageRunData(descriptor, transformSql);
  const pending: Array<Promise<void>> = [];
  const send = (data: LineageRunData) => pending.push(emit(buildRunEvent(data)).catch(() => undefined));
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
