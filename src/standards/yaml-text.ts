/**
 * Documents written for people (exported contracts, imported descriptors) as YAML. js-yaml's
 * writer is several times faster than the position-keeping library on 5,000-line documents;
 * strings that would read back as another type (dates, numbers, booleans) are quoted.
 */
import jsyaml from 'js-yaml';

export function toYaml(value: unknown): string {
  return jsyaml.dump(value, { lineWidth: -1, noRefs: true, quotingType: '"' });
}
