/**
 * The diagnosis' thresholds, overridable per organisation in a policy-style YAML document:
 *
 *   apiVersion: mesh/v1
 *   kind: HealthThresholds
 *   spec:
 *     relabelingShare: 0.6
 *     minActiveAfterMonths: 12
 *
 * Every key is checked (a misspelt one is refused with the nearest name), so a threshold never
 * silently falls back to its default.
 */
import { InputError } from '../../core/errors.js';
import { didYouMean } from '../../core/did-you-mean.js';
import { parseYamlText, readYamlFile, type YamlSource } from '../../descriptor/yaml-source.js';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './health-records.js';

/** Keys whose value is a share, 0..1; the others are counts or durations, ≥ 0 (the NPS threshold may be negative). */
const SHARES = new Set(['relabelingShare', 'insideOnlyShare', 'helpDeskShare']);

export function checkThresholds(given: unknown): Partial<HealthThresholds> {
  if (given === undefined || given === null) return {};
  if (typeof given !== 'object' || Array.isArray(given))
    throw new InputError('thresholds must be an object of numbers');
  const known = Object.keys(DEFAULT_HEALTH_THRESHOLDS);
  for (const [key, value] of Object.entries(given)) {
    if (!known.includes(key)) {
      const near = didYouMean(key, known);
      throw new InputError(`unknown health threshold "${key}"${near ? `; did you mean "${near}"?` : ''}`, {
        details: { hint: `known: ${known.join(', ')}` },
      });
    }
    const min = key === 'lowNps' ? -100 : 0;
    const max = SHARES.has(key) ? 1 : key === 'lowNps' ? 100 : Number.MAX_SAFE_INTEGER;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw new InputError(
        `health threshold ${key} must be a number${max === Number.MAX_SAFE_INTEGER ? ` ≥ ${min}` : ` from ${min} to ${max}`}`,
      );
  }
  return given as Partial<HealthThresholds>;
}

/** The thresholds of a `kind: HealthThresholds` YAML file (read with the descriptor reader's limits). */
export function readThresholdsFile(path: string, label = path): Partial<HealthThresholds> {
  return thresholdsOf(readYamlFile(path, label));
}

/** The same from YAML text. */
export function parseThresholdsYaml(file: string, text: string): Partial<HealthThresholds> {
  return thresholdsOf(parseYamlText(file, text));
}

function thresholdsOf({ file, value, diagnostics }: YamlSource): Partial<HealthThresholds> {
  const error = diagnostics.find((d) => d.severity === 'error');
  if (error) throw new InputError(`${file}: ${error.message}`);
  const doc = value as { kind?: unknown; spec?: unknown } | null;
  if (!doc || doc.kind !== 'HealthThresholds')
    throw new InputError(`${file}: not a HealthThresholds document (kind: HealthThresholds, spec: {…})`);
  return checkThresholds(doc.spec ?? {});
}
