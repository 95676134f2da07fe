/**
 * OpenLineage RunEvents from other tools, checked against the official schema
 * (`schemas/standards/openlineage/OpenLineage.json`, an unchanged copy with its licence),
 * compiled once per process with Ajv's 2020-12 dialect. The facets an event carries are held
 * to the base facet shape the spec defines (`_producer`, `_schemaURL`); their own schemas are
 * the producers' business.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const SCHEMA = new URL('../../schemas/standards/openlineage/OpenLineage.json', import.meta.url);
const RUN_EVENT_REF = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    ajv.addFormat('date-time', (s: string) => /T/.test(s) && !Number.isNaN(Date.parse(s)));
    ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:\S*$/i.test(s));
    ajv.addFormat('uuid', (s: string) => UUID.test(s));
    ajv.addSchema(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    compiled = ajv.compile({ $ref: RUN_EVENT_REF });
  }
  return compiled;
}

/** The reasons a value is not a RunEvent (`/path: message`), or none. */
export function runEventErrors(event: unknown): string[] {
  const validate = validator();
  if (validate(event)) {
    const e = event as { run?: unknown; job?: unknown; eventType?: unknown };
    // The schema leaves run, job and eventType optional on the base event; a RunEvent for the graph needs them.
    const missing = ['eventType', 'run', 'job'].filter((k) => e[k as keyof typeof e] === undefined);
    return missing.map((k) => `/: must have required property '${k}'`);
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const error of validate.errors ?? []) {
    if (['allOf', 'oneOf', 'anyOf', 'if'].includes(error.keyword)) continue;
    const line = `${error.instancePath || '/'}: ${error.message ?? 'is not valid'}`;
    if (!seen.has(line)) out.push(line);
    seen.add(line);
  }
  return out.length ? out : ['/: is not an OpenLineage RunEvent'];
}
