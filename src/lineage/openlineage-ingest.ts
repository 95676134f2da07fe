/**
 * `POST /v1/lineage/events`: RunEvents as Marquez accepts them (one event, or an array of
 * them), validated against the OpenLineage schema — a batch with one bad event is refused
 * whole, naming the event and the reason — then stored as graph nodes and edges.
 */
import { InputError } from '../core/errors.js';
import type { Registry } from '../registry/registry.js';
import { recordLineageEvents, type LineageEventRecord } from '../registry/operations/lineage/record-lineage-events.js';
import { runEventErrors } from './openlineage-schema.js';
import { MESHWORK_DATASET_NAMESPACE } from '../registry/operations/lineage/lineage-ids.js';

/** Events accepted in one request: a burst of more is sent as several requests. */
export const MAX_EVENTS_PER_REQUEST = 1_000;

export interface LineageIngestOutcome {
  readonly accepted: number;
}

export async function ingestLineageEvents(registry: Registry, body: unknown): Promise<LineageIngestOutcome> {
  const events = Array.isArray(body) ? (body as unknown[]) : [body];
  if (events.length === 0) throw new InputError('no events: send a RunEvent or an array of them');
  if (events.length > MAX_EVENTS_PER_REQUEST)
    throw new InputError(`at most ${MAX_EVENTS_PER_REQUEST} events per request, not ${events.length}`);
  const records: LineageEventRecord[] = [];
  for (const [i, event] of events.entries()) {
    const errors = runEventErrors(event);
    if (errors.length > 0)
      throw new InputError(
        `${Array.isArray(body) ? `event ${i}` : 'the event'} is not an OpenLineage RunEvent: ${errors.slice(0, 5).join('; ')}`,
        { details: { index: i, errors } },
      );
    records.push(toRecord(event as RunEventShape));
  }
  await recordLineageEvents(registry, records);
  return { accepted: records.length };
}

/**
 * The Meshwork products a batch claims to be or to write: jobs and outputs in namespace
 * `meshwork` (inputs only claim a read). Read defensively: the batch is not validated yet.
 */
export function writtenProducts(body: unknown): string[] {
  const events = (Array.isArray(body) ? body : [body]) as Array<Partial<RunEventShape> | null>;
  const named = (d: unknown) =>
    d && typeof d === 'object' && (d as { namespace?: unknown }).namespace === MESHWORK_DATASET_NAMESPACE
      ? String((d as { name?: unknown }).name ?? '')
      : undefined;
  const products = new Set<string>();
  for (const e of events) {
    if (!e || typeof e !== 'object') continue;
    for (const d of [e.job, ...(Array.isArray(e.outputs) ? e.outputs : [])]) {
      const name = named(d);
      if (name !== undefined) products.add(name.split('@')[0]);
    }
  }
  return [...products].sort();
}

interface RunEventShape {
  eventType: string;
  eventTime: string;
  run: { runId: string };
  job: { namespace: string; name: string };
  inputs?: Array<{ namespace: string; name: string }>;
  outputs?: Array<{ namespace: string; name: string }>;
}

function toRecord(e: RunEventShape): LineageEventRecord {
  const pick = (d: { namespace: string; name: string }) => ({ namespace: d.namespace, name: d.name });
  return {
    eventType: e.eventType,
    eventTime: new Date(e.eventTime).toISOString(),
    runId: e.run.runId,
    job: pick(e.job),
    inputs: (e.inputs ?? []).map(pick),
    outputs: (e.outputs ?? []).map(pick),
  };
}
