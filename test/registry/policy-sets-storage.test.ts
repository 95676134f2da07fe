/**
 * Policy sets stored in the registry, on both backends: applied and removed with an event in
 * the same transaction, refused (and not stored) when broken alone or in combination, and in
 * force on the next check of the platform that applied them and of another process's platform.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, NotFoundError } from '../../src/core/errors.js';
import { PolicyEngine } from '../../src/governance/policy-engine.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { PoliciesInForce } from '../../src/platform/policies-in-force.js';
import { listEvents } from '../../src/registry/operations/events/list-events.js';
import { listPolicySets } from '../../src/registry/operations/policies/list-policy-sets.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const policySet = (name: string, scope: string, rules: string) =>
  `apiVersion: mesh/v1\nkind: PolicySet\nmetadata:\n  name: ${name}\n  owner: governance@company.com\n  scope: ${scope}\nspec:\n  rules:\n${rules}`;

const TAGGED = policySet(
  'tagged',
  'global',
  `    - id: products-are-tagged
      cel: has(product.metadata.tags) && size(product.metadata.tags) > 0
      message: tag your product
`,
);

describe.each(BACKENDS)('policy sets stored on %s', (backend) => {
  let t: TestRegistry;
  let gina: LocalPlatform;
  /** Another server process: its own engine cache over the same registry. */
  let replica: LocalPlatform;
  const platform = (actor: string) =>
    new LocalPlatform({
      registry: t.registry,
      config: { ...configFromEnv(), actor },
      governance: new PolicyEngine(),
      policies: new PoliciesInForce(new PolicyEngine(), { recheckMs: 0 }),
    });

  beforeAll(async () => {
    t = await createTestRegistry(backend);
    gina = platform('gina');
    replica = platform('replica');
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const errorCodes = async (p: LocalPlatform, tags?: string[]) =>
    (
      await p.check(
        productBundle({
          name: 'orders',
          domain: 'sales',
          edit: (d) => {
            d.metadata.tags = tags;
          },
        }),
      )
    ).diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => d.code);

  it('applies a set with an event, in force at once here and on the replica', async () => {
    expect(await errorCodes(replica)).not.toContain('products-are-tagged');
    const applied = await gina.applyPolicySet({ file: 'tagged.yaml', yaml: TAGGED });
    expect(applied).toMatchObject({ status: 'created', name: 'tagged', scope: 'global', rules: 1, updatedBy: 'gina' });
    expect(await errorCodes(gina)).toContain('products-are-tagged');
    expect(await errorCodes(replica)).toContain('products-are-tagged');
    expect(await errorCodes(replica, ['finance'])).not.toContain('products-are-tagged');
    const events = await listEvents(t.registry, { subject: 'policy-set/tagged' });
    expect(events.map((e) => [e.type, e.actor])).toEqual([['policy-set.applied', 'gina']]);
    const listing = await replica.listPolicies({ domain: 'sales' });
    expect(listing.sets).toEqual([
      expect.objectContaining({ name: 'tagged', origin: 'registry', file: 'registry:tagged', updatedBy: 'gina' }),
    ]);
    expect(listing.rules.find((r) => r.id === 'products-are-tagged')).toMatchObject({
      source: 'tagged',
      sourceFile: 'registry:tagged',
    });
  });

  it('does not write an unchanged set again, and replaces a changed one', async () => {
    expect((await gina.applyPolicySet({ file: 'tagged.yaml', yaml: TAGGED })).status).toBe('unchanged');
    const warnOnly = TAGGED.replace('      cel:', '      severity: warn\n      cel:');
    expect((await gina.applyPolicySet({ file: 'tagged.yaml', yaml: warnOnly })).status).toBe('updated');
    expect(await errorCodes(replica)).not.toContain('products-are-tagged');
    const stored = await listPolicySets(t.registry);
    expect(stored.map((s) => [s.name, s.yaml])).toEqual([['tagged', warnOnly]]);
    expect((await listEvents(t.registry, { subject: 'policy-set/tagged' })).map((e) => e.type)).toEqual([
      'policy-set.applied',
      'policy-set.applied',
    ]);
    await gina.applyPolicySet({ file: 'tagged.yaml', yaml: TAGGED });
  });

  it('refuses a broken set with file:line:col diagnostics and stores nothing', async () => {
    const broken = policySet(
      'broken',
      'global',
      `    - id: short-names
      cel: size(product.metadata.nme) < 40
      message: short
`,
    );
    const error = await gina.applyPolicySet({ file: 'policies/broken.yaml', yaml: broken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const diagnostics = (error as InputError).details as {
      diagnostics: Array<{ code: string; location: { file: string; line: number } }>;
    };
    expect(diagnostics.diagnostics[0]).toMatchObject({
      code: 'cel-type',
      location: { file: 'policies/broken.yaml', line: 10 },
    });
    expect((await listPolicySets(t.registry)).map((s) => s.name)).toEqual(['tagged']);
  });

  it('refuses a set that only breaks in combination: a domain weakening a stored global rule', async () => {
    const weakening = policySet(
      'sales-relaxed',
      'sales',
      `    - id: products-are-tagged
      severity: warn
`,
    );
    const error = await gina.applyPolicySet({ file: 'sales-relaxed.yaml', yaml: weakening }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(JSON.stringify((error as InputError).details)).toContain('policy-weakens-global');
    expect((await listPolicySets(t.registry)).map((s) => s.name)).toEqual(['tagged']);
  });

  it('refuses a name that does not match the document', async () => {
    await expect(gina.applyPolicySet({ file: 'tagged.yaml', yaml: TAGGED }, { name: 'other' })).rejects.toThrow(
      'defines policy set tagged, not other',
    );
  });

  it('removes a set with an event; the replica stops enforcing it', async () => {
    expect(await gina.removePolicySet('tagged')).toEqual({ name: 'tagged', scope: 'global', removed: true });
    expect(await errorCodes(replica)).not.toContain('products-are-tagged');
    expect((await listEvents(t.registry, { subject: 'policy-set/tagged' })).at(-1)).toMatchObject({
      type: 'policy-set.removed',
      actor: 'gina',
    });
    await expect(gina.removePolicySet('tagged')).rejects.toBeInstanceOf(NotFoundError);
  });
});
