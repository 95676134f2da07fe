/** The HealthThresholds YAML document: known keys only, numbers in range, and a clear refusal otherwise. */
import { describe, expect, it } from 'vitest';
import { parseThresholdsYaml } from '../../src/server/health/health-thresholds.js';

const doc = (spec: string) => `apiVersion: mesh/v1\nkind: HealthThresholds\nspec:\n${spec}`;

describe('health thresholds YAML', () => {
  it('reads the overrides', () => {
    expect(parseThresholdsYaml('h.yaml', doc('  relabelingShare: 0.6\n  minActiveAfterMonths: 12\n'))).toEqual({
      relabelingShare: 0.6,
      minActiveAfterMonths: 12,
    });
  });
  it('refuses another kind, an unknown key, a share above 1 and text', () => {
    expect(() => parseThresholdsYaml('h.yaml', 'kind: PolicySet\nspec: {}\n')).toThrow(
      'h.yaml: not a HealthThresholds document',
    );
    expect(() => parseThresholdsYaml('h.yaml', doc('  lowNPS: 20\n'))).toThrow(
      'unknown health threshold "lowNPS"; did you mean "lowNps"?',
    );
    expect(() => parseThresholdsYaml('h.yaml', doc('  insideOnlyShare: 1.5\n'))).toThrow(
      'health threshold insideOnlyShare must be a number from 0 to 1',
    );
    expect(() => parseThresholdsYaml('h.yaml', doc('  failingLeftDays: soon\n'))).toThrow(
      'health threshold failingLeftDays must be a number ≥ 0',
    );
  });
});
