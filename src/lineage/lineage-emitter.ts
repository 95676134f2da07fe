/**
 * Where lineage events go: an HTTP endpoint (MESH_OPENLINEAGE_URL, e.g. Marquez's
 * /api/v1/lineage) or a JSON-lines file (MESH_OPENLINEAGE_FILE). Emitting never fails a run:
 * an endpoint that is down is retried a few times, then logged.
 */
import { appendFile } from 'node:fs/promises';
import { silentLog, type LogSink } from '../core/json-log.js';

export type LineageEmitter = (event: Record<string, unknown>) => Promise<void>;

export function lineageEmitterFromEnv(env: NodeJS.ProcessEnv, log: LogSink = silentLog): LineageEmitter | undefined {
  const url = env.MESH_OPENLINEAGE_URL;
  const file = env.MESH_OPENLINEAGE_FILE;
  if (!url && !file) return undefined;
  return async (event) => {
    if (file)
      await appendFile(file, `${JSON.stringify(event)}\n`).catch((e) =>
        log({ level: 'warn', msg: 'lineage file write failed', error: (e as Error).message }),
      );
    if (url) await postWithRetries(url, event, log);
  };
}

async function postWithRetries(url: string, event: Record<string, unknown>, log: LogSink, attempts = 3): Promise<void> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(5_000),
      });
      await res.body?.cancel();
      if (res.ok) return;
      if (res.status < 500) {
        log({ level: 'warn', msg: 'lineage endpoint refused the event', status: res.status });
        return;
      }
    } catch {
      /* retried below */
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
  }
  log({ level: 'warn', msg: 'lineage endpoint unreachable; event dropped', attempts });
}
