/**
 * MESH_WORKER_DEAD_AFTER_SECONDS and MESH_WORKER_HEARTBEAT_SECONDS: the queue's liveness and
 * the run lock's judgement of a holder, one setting for every process. Bad values are refused
 * when the process starts, saying which setting and why.
 */
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { DEFAULT_WORKER_LIVENESS, workerLivenessFromEnv } from '../../src/core/worker-liveness.js';
import { mesh } from '../helpers/run-mesh.js';

describe('worker liveness settings', () => {
  it('defaults to 30 s dead-after and a 5 s heartbeat; seconds (decimals too) become the configuration', () => {
    expect(workerLivenessFromEnv({})).toEqual({ deadAfterMs: 30_000, heartbeatMs: 5_000 });
    expect(DEFAULT_WORKER_LIVENESS).toEqual({ deadAfterMs: 30_000, heartbeatMs: 5_000 });
    expect(
      configFromEnv({ MESH_WORKER_DEAD_AFTER_SECONDS: '12', MESH_WORKER_HEARTBEAT_SECONDS: '1.5' }).workerLiveness,
    ).toEqual({ deadAfterMs: 12_000, heartbeatMs: 1_500 });
    expect(workerLivenessFromEnv({ MESH_WORKER_DEAD_AFTER_SECONDS: '90' })).toEqual({
      deadAfterMs: 90_000,
      heartbeatMs: 5_000,
    });
  });

  it('refuses values that are not seconds, and a heartbeat not well under dead-after', () => {
    for (const bad of ['abc', '-5', '0', '1e3', '30s', '100000'])
      expect(() => workerLivenessFromEnv({ MESH_WORKER_DEAD_AFTER_SECONDS: bad })).toThrow(
        `MESH_WORKER_DEAD_AFTER_SECONDS must be a number of seconds from 0.1 to 86400, got "${bad}"`,
      );
    expect(() => workerLivenessFromEnv({ MESH_WORKER_HEARTBEAT_SECONDS: '11' })).toThrow(
      'MESH_WORKER_HEARTBEAT_SECONDS (11) must be at most a third of MESH_WORKER_DEAD_AFTER_SECONDS (30)',
    );
    expect(() => workerLivenessFromEnv({ MESH_WORKER_DEAD_AFTER_SECONDS: '9' })).toThrow(
      'MESH_WORKER_HEARTBEAT_SECONDS (5) must be at most a third of MESH_WORKER_DEAD_AFTER_SECONDS (9)',
    );
    expect(workerLivenessFromEnv({ MESH_WORKER_HEARTBEAT_SECONDS: '10' }).heartbeatMs).toBe(10_000);
  });

  it('mesh worker with a bad setting stops at once with the setting named, no stack trace', async () => {
    const r = await mesh(['worker'], {
      env: {
        MESH_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        MESH_WORKER_DEAD_AFTER_SECONDS: '10',
        MESH_WORKER_HEARTBEAT_SECONDS: '5',
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: MESH_WORKER_HEARTBEAT_SECONDS (5) must be at most a third of MESH_WORKER_DEAD_AFTER_SECONDS (10)',
    );
    expect(r.stderr).toContain('hint: raise MESH_WORKER_DEAD_AFTER_SECONDS or lower MESH_WORKER_HEARTBEAT_SECONDS');
    expect(r.stderr).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});
