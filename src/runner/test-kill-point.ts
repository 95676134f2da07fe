/**
 * TEST-ONLY hook: `MESH_TEST_KILL_AT=<boundary>` makes the process SIGKILL itself when a
 * recorded run reaches that boundary, so the crash test can stop a real `mesh run` at every
 * point of a publication deterministically. Read here and nowhere else; never set it outside
 * tests (the run dies without recording anything).
 */
export const KILL_POINTS = [
  'after-start',
  'after-extract',
  'after-transform',
  'after-conform',
  'after-audit',
  /** Every port prepared: the snapshot folder in the warehouse, staging tables loaded. */
  'after-prepare',
  /** SQL table swaps staged in open transactions, just before the registry commit. */
  'after-stage',
  /** The registry transaction (run succeeded, current snapshot, watermarks) committed. */
  'after-commit',
  /** The SQL ports' swaps committed. */
  'after-sql-ports',
  /** `current.json` written and old folders pruned. */
  'after-pointer',
  /** Stream messages sent: the publication is complete. */
  'after-stream',
] as const;

export type KillPoint = (typeof KILL_POINTS)[number];

export function killPoint(env: NodeJS.ProcessEnv, point: KillPoint): void {
  if (env.MESH_TEST_KILL_AT !== point) return;
  process.stderr.write(`MESH_TEST_KILLED ${point}\n`);
  process.kill(process.pid, 'SIGKILL');
  // The signal is delivered at once; never run on past the boundary meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5_000);
}
