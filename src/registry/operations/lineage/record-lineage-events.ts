import { writeTransaction, type Registry, type RegistryTx } from '../../registry.js';
import { datasetNodeId, jobNodeId, MESHWORK_DATASET_NAMESPACE, productNodeId } from './lineage-ids.js';
import { ensureNodes, insertOwnedEdges, nodeRow, type NewLineageNode } from './write-lineage.js';

/** What the graph keeps of one OpenLineage RunEvent. */
export interface LineageEventRecord {
  readonly eventType: string;
  readonly eventTime: string;
  readonly runId: string;
  readonly job: { readonly namespace: string; readonly name: string };
  readonly inputs: ReadonlyArray<{ readonly namespace: string; readonly name: string }>;
  readonly outputs: ReadonlyArray<{ readonly namespace: string; readonly name: string }>;
}

const RUN_STATUS: Record<string, string> = {
  START: 'running',
  RUNNING: 'running',
  COMPLETE: 'succeeded',
  FAIL: 'failed',
  ABORT: 'aborted',
};

/**
 * Events from other tools, in one transaction and a few batched statements: each job is a node
 * (a Meshwork job is its product) with its latest run's status, its datasets nodes joined to
 * products by namespace `meshwork` and name `domain/name` (unknown products are kept, as
 * external nodes), and the latest event of a job naming datasets replaces the edges its
 * earlier events wrote (it says what the job reads and writes now).
 */
export async function recordLineageEvents(registry: Registry, events: readonly LineageEventRecord[]): Promise<void> {
  const ordered = [...events].sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : 0));
  const latestStatus = new Map<string, LineageEventRecord>();
  const latestDatasets = new Map<string, LineageEventRecord>();
  for (const e of ordered) {
    const key = `${e.job.namespace}/${e.job.name}`;
    if (RUN_STATUS[e.eventType] && e.job.namespace !== MESHWORK_DATASET_NAMESPACE) latestStatus.set(key, e);
    if (e.inputs.length + e.outputs.length > 0) latestDatasets.set(key, e);
  }
  await writeTransaction(registry, async (tx) => {
    await ensureNodes(
      tx,
      ordered.flatMap((e) => [jobNode(e), ...e.inputs.map(datasetNode), ...e.outputs.map(datasetNode)]),
    );
    await recordJobStatus(tx, [...latestStatus.values()]);
    const owners = [...latestDatasets.keys()].map((k) => `event:${k}`);
    for (let i = 0; i < owners.length; i += 500)
      await tx
        .deleteFrom('lineage_edges')
        .where('origin', '=', 'event')
        .where('owner', 'in', owners.slice(i, i + 500))
        .execute();
    await insertOwnedEdges(
      tx,
      'event',
      [...latestDatasets.values()].flatMap((e) => {
        const job = jobNode(e).id;
        const owner = `event:${e.job.namespace}/${e.job.name}`;
        return [
          ...e.inputs.map((d) => ({ owner, from: datasetNodeId(d.namespace, d.name), to: job })),
          ...e.outputs.map((d) => ({ owner, from: job, to: datasetNodeId(d.namespace, d.name) })),
        ];
      }),
    );
  });
}

function jobNode(e: LineageEventRecord): NewLineageNode {
  const { namespace, name } = e.job;
  return namespace === MESHWORK_DATASET_NAMESPACE
    ? { id: productNodeId(name), kind: 'product', label: name, namespace, name, external: true }
    : { id: jobNodeId(namespace, name), kind: 'job', label: `${namespace}/${name}`, namespace, name, external: true };
}

function datasetNode(d: { namespace: string; name: string }): NewLineageNode {
  const product = d.namespace === MESHWORK_DATASET_NAMESPACE;
  return {
    id: datasetNodeId(d.namespace, d.name),
    kind: product ? 'product' : 'dataset',
    label: product ? d.name.split('@')[0] : `${d.namespace}/${d.name}`,
    namespace: d.namespace,
    name: d.name,
    external: true,
  };
}

/** Each job's last run as its newest event says (an older event arriving late changes nothing). */
async function recordJobStatus(tx: RegistryTx, events: readonly LineageEventRecord[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    await tx
      .insertInto('lineage_nodes')
      .values(
        events.slice(i, i + 500).map((e) => ({
          ...nodeRow(jobNode(e)),
          last_run_id: e.runId,
          last_run_status: RUN_STATUS[e.eventType],
          last_run_at: e.eventTime,
          updated_at: e.eventTime,
        })),
      )
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => ({
            last_run_id: eb.ref('excluded.last_run_id'),
            last_run_status: eb.ref('excluded.last_run_status'),
            last_run_at: eb.ref('excluded.last_run_at'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where((eb) =>
            eb.or([
              eb('lineage_nodes.last_run_at', 'is', null),
              eb('lineage_nodes.last_run_at', '<=', eb.ref('excluded.last_run_at')),
            ]),
          ),
      )
      .execute();
  }
}
