// Regenerates the published JSON Schemas from their TypeBox sources of truth.
import { writeFileSync } from 'node:fs';
import { policySetJsonSchema } from '../src/governance/policy-set-schema.js';
import { dataProductJsonSchema } from '../src/descriptor/data-product-schema.js';

writeFileSync(
  new URL('../schemas/data-product.v1.json', import.meta.url),
  `${JSON.stringify(dataProductJsonSchema(), null, 2)}\n`,
);
console.log('wrote schemas/data-product.v1.json');
writeFileSync(
  new URL('../schemas/policy-set.v1.json', import.meta.url),
  `${JSON.stringify(policySetJsonSchema(), null, 2)}\n`,
);
console.log('wrote schemas/policy-set.v1.json');
