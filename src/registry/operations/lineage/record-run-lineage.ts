import { writeTransaction, type Registry } from '../../registry.js';
import { datasetNodeId, productNodeId, sourceNodeId } from './lineage-ids.js';
import { ensureNodes, insertEdges } from './write-lineage.js';

export interface RunLineage {
  readonly product: string;
  readonly runId: string;
  readonly status: 'succeeded' | 'failed';
  readonly finishedAt: string;
  /** Checks that failed in the run (error and warn). */
  readonly failingChecks: number;
  /** Per source input, the datasets the run resolved it to (OpenLineage namespace and name). */
  readonly resolved: ReadonlyArray<{
    readonly input: string;
    readonly datasets: ReadonlyArray<{ readonly namespace: string; readonly name: string }>;
  }>;
}

/**
 * After a run: the product node's status (last run, last good run, failing checks), and each
 * source input resolved to the datasets it read, replacing that input's declared source edge.
 */
export async function recordRunLineage(registry: Registry, run: RunLineage): Promise<void> {
  const me = productNodeId(run.product);
  await writeTransaction(registry, async (tx) => {
    await tx
      .updateTable('lineage_nodes')
      .set({
        last_run_id: run.runId,
        last_run_status: run.status,
        last_run_at: run.finishedAt,
        failing_checks: run.failingChecks,
        updated_at: run.finishedAt,
        ...(run.status === 'succeeded' ? { last_good_at: run.finishedAt } : {}),
      })
      .where('id', '=', me)
      .execute();
    for (const input of run.resolved) {
      if (input.datasets.length === 0) continue;
      await tx
        .deleteFrom('lineage_edges')
        .where('owner', '=', run.product)
        .where('input_name', '=', input.input)
        .where((eb) =>
          eb.or([
            eb('origin', '=', 'run'),
            eb.and([eb('origin', '=', 'publish'), eb('from_id', '=', sourceNodeId(run.product, input.input))]),
          ]),
        )
        .execute();
      await ensureNodes(
        tx,
        input.datasets.map((d) => ({
          id: datasetNodeId(d.namespace, d.name),
          kind: 'dataset',
          label: `${d.namespace}/${d.name}`,
          namespace: d.namespace,
          name: d.name,
        })),
      );
      await insertEdges(
        tx,
        run.product,
        'run',
        input.datasets.map((d) => ({ from: datasetNodeId(d.namespace, d.name), to: me, inputName: input.input })),
      );
    }
  });
}
