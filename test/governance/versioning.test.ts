/**
 * Versions as a contract, on both registry backends: breaking changes need a new major,
 * additive ones a minor, documentation a patch; a new major deprecates the old one, tells
 * its consumers, and the old major is retired after its sunset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/diagnostic.js';
import { ConflictError, InputError } from '../../src/core/errors.js';
import { PolicyEngine } from '../../src/governance/policy-engine.js';
import { checkVersioning } from '../../src/governance/version-bump.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { retireExpiredVersions } from '../../src/registry/operations/versions/retire-expired-versions.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const withoutLabel = (p: DataProduct) => {
  p.spec.schema.columns = p.spec.schema.columns.filter((c) => c.name !== 'label');
  p.spec.quality!.checks = p.spec.quality!.checks.filter((c) => c.column !== 'label');
};
const withChannel = (p: DataProduct) => {
  p.spec.schema.columns.push({ name: 'channel', type: 'varchar', pii: 'none' });
};

async function refusal(
  promise: Promise<unknown>,
  kind: typeof InputError | typeof ConflictError = InputError,
): Promise<{ message: string; diagnostics: Diagnostic[] }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  const e = error as InputError;
  return { message: e.message, diagnostics: (e.details as { diagnostics: Diagnostic[] }).diagnostics };
}

describe.each(BACKENDS)('versioning on %s', (backend) => {
  let t: TestRegistry;
  let platform: LocalPlatform;

  beforeAll(async () => {
    t = await createTestRegistry(backend);
    platform = new LocalPlatform({
      registry: t.registry,
      governance: new PolicyEngine(),
      config: { ...configFromEnv(), actor: 'test:bob' },
    });
  });
  afterAll(async () => {
    await platform?.close();
    await t?.dispose();
  });

  it('refuses a breaking change without a new major, listing the changes and the version to use', async () => {
    await platform.publish(productBundle({ name: 'orders', version: '1.0.0' }));
    const { message, diagnostics } = await refusal(
      platform.publish(productBundle({ name: 'orders', version: '1.0.1', edit: withoutLabel })),
    );
    expect(message).toBe('sales/orders/product.yaml has errors; nothing was published');
    const breaking = diagnostics.find((d) => d.code === 'breaking-change')!;
    expect(breaking.message).toBe('column-removed: column label is removed: consumers that read it fail');
    expect(breaking.location?.file).toBe('sales/orders/product.yaml');
    const summary = diagnostics.find((d) => d.code === 'major-version-required')!;
    expect(summary.message).toBe(
      '1 breaking change since 1.0.0 (column-removed) needs a new major version: publish as 2.0.0',
    );
    expect(summary.path).toBe('metadata.version');
  });

  it('refuses changed content under a published version number, saying which version to use', async () => {
    // The same conflict a racing publisher gets, naming the version, with the finding that says which version to use.
    const { message, diagnostics } = await refusal(
      platform.publish(productBundle({ name: 'orders', version: '1.0.0', edit: withChannel })),
      ConflictError,
    );
    expect(message).toBe('sales/orders@1.0.0 is already published with different content; versions are immutable');
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        'version-already-published',
        '1.0.0 is already published and this descriptor differs from it (column-added-nullable); versions are immutable: use 1.1.0',
      ],
    ]);
    await expect(platform.publish(productBundle({ name: 'orders', version: '1.0.0' }))).resolves.toMatchObject({
      status: 'unchanged',
    });
  });

  it('refuses a too-small bump for an additive change, saying which bump is needed', async () => {
    const { diagnostics } = await refusal(
      platform.publish(productBundle({ name: 'orders', version: '1.0.1', edit: withChannel })),
    );
    expect(diagnostics.find((d) => d.code === 'version-bump-too-small')?.message).toBe(
      '1.0.1 is a patch bump from 1.0.0, but the changes (column-added-nullable) need at least a minor bump: use 1.1.0',
    );
    await expect(
      platform.publish(productBundle({ name: 'orders', version: '1.1.0', edit: withChannel })),
    ).resolves.toMatchObject({ status: 'created' });
  });

  it('accepts a documentation-only change as a patch', async () => {
    const outcome = await platform.publish(
      productBundle({
        name: 'orders',
        version: '1.1.1',
        description: 'Orders with their channel, one row per order, refreshed daily.',
        edit: withChannel,
      }),
    );
    expect(outcome.status).toBe('created');
  });

  it('publishes a new major beside the old one, deprecates the old one and tells its consumers', async () => {
    await platform.publish(
      productBundle({
        name: 'orders-by-day',
        version: '1.0.0',
        edit: (p) => {
          p.spec.inputs = [{ name: 'records', product: 'sales/orders@1' }];
        },
      }),
    );
    // A reader of sales/orders@2 cannot be published before 2.x exists (its input is refused), so
    // only the major-1 reader can be told; a reader of another product never is.
    await platform.publish(
      productBundle({
        name: 'orders-by-day-reader',
        domain: 'finance',
        version: '1.0.0',
        edit: (p) => {
          p.spec.inputs = [{ name: 'records', product: 'sales/orders-by-day@1' }];
        },
      }),
    );
    const before = Date.now();
    const outcome = await platform.publish(
      productBundle({
        name: 'orders',
        version: '2.0.0',
        edit: (p) => {
          withChannel(p);
          withoutLabel(p);
        },
      }),
    );
    expect(outcome.status).toBe('created');
    expect(outcome.diagnostics.find((d) => d.code === 'new-major')?.severity).toBe('info');
    const detail = await platform.showProduct('sales/orders');
    expect(detail.product.latestVersion).toBe('2.0.0');
    const byVersion = new Map(detail.versions.map((v) => [v.version, v]));
    expect(byVersion.get('2.0.0')?.status).toBe('active');
    for (const v of ['1.0.0', '1.1.0', '1.1.1']) {
      expect(byVersion.get(v)?.status).toBe('deprecated');
      expect(Date.parse(byVersion.get(v)!.sunsetAt!) - before).toBeGreaterThanOrEqual(30 * 86_400_000 - 1000);
    }
    const events = (await platform.listEvents({ limit: 1000 })).filter((e) => e.type === 'product.deprecated');
    expect(events.map((e) => e.subject)).toEqual(['sales/orders-by-day']);
    expect(events[0].data).toMatchObject({
      product: 'sales/orders',
      major: 1,
      replacement: '2.0.0',
      input: 'sales/orders@1',
    });
  });

  it("lets a fix into the deprecated major through with a warning, and it joins the major's sunset", async () => {
    const fix = await platform.publish(
      productBundle({
        name: 'orders',
        version: '1.1.2',
        description: 'Orders with their channel; one row per order, refreshed every day.',
        edit: withChannel,
      }),
    );
    expect(fix.diagnostics.find((d) => d.code === 'major-deprecated')).toMatchObject({
      severity: 'warn',
      message: '1.x is deprecated; consumers should move to 2.x',
    });
    const versions = new Map((await platform.showProduct('sales/orders')).versions.map((v) => [v.version, v]));
    expect(versions.get('1.1.2')).toMatchObject({ status: 'deprecated', sunsetAt: versions.get('1.1.1')!.sunsetAt });
  });

  it('retires the old major after its sunset, keeping it in the registry, and refuses new versions into it', async () => {
    expect(await retireExpiredVersions(t.registry, new Date(Date.now() + 29 * 86_400_000))).toEqual([]);
    const retired = await retireExpiredVersions(t.registry, new Date(Date.now() + 31 * 86_400_000), 'monitor');
    expect(retired.map((r) => `${r.product}@${r.version}`)).toEqual([
      'sales/orders@1.0.0',
      'sales/orders@1.1.0',
      'sales/orders@1.1.1',
      'sales/orders@1.1.2',
    ]);
    expect(await retireExpiredVersions(t.registry, new Date(Date.now() + 31 * 86_400_000))).toEqual([]);
    const detail = await platform.showProduct('sales/orders@1.1.1');
    expect(detail.version.status).toBe('retired');
    expect(detail.version.descriptor.metadata.version).toBe('1.1.1');
    expect(
      (await platform.listEvents({ subject: 'sales/orders', limit: 1000 })).filter((e) => e.type === 'product.retired'),
    ).toHaveLength(4);
    const { diagnostics } = await refusal(
      platform.publish(productBundle({ name: 'orders', version: '1.2.0', edit: withChannel })),
    );
    expect(diagnostics.find((d) => d.code === 'major-retired')?.message).toBe(
      '1.x is retired; no new versions can be published into it',
    );
  });

  it('checks backward_transitive against every version of the major', async () => {
    const mode = (m: 'none' | 'backward' | 'backward_transitive') => (p: DataProduct) => {
      p.spec.sla!.schemaStability = { compatibility: m, deprecationNoticeDays: 30 };
    };
    await platform.publish(productBundle({ name: 'ledger', version: '1.0.0', edit: mode('none') }));
    await platform.publish(
      productBundle({
        name: 'ledger',
        version: '1.1.0',
        edit: (p) => {
          mode('none')(p);
          withoutLabel(p);
        },
      }),
    );
    await expect(
      platform.check(
        productBundle({
          name: 'ledger',
          version: '1.2.0',
          edit: (p) => {
            mode('backward')(p);
            withoutLabel(p);
          },
        }),
      ),
    ).resolves.toMatchObject({ diagnostics: [] });
    const transitive = await platform.check(
      productBundle({
        name: 'ledger',
        version: '1.2.0',
        edit: (p) => {
          mode('backward_transitive')(p);
          withoutLabel(p);
        },
      }),
    );
    expect(transitive.diagnostics.map((d) => d.code)).toEqual(['breaking-change', 'major-version-required']);
    expect(transitive.diagnostics[0].message).toBe(
      'column-removed: column label is removed: consumers that read it fail (compared with 1.0.0)',
    );
  });
});

describe('checkVersioning on published versions given in any order', () => {
  const product = (version: string, edit?: (p: DataProduct) => void): DataProduct =>
    JSON.parse(productBundle({ name: 'orders', version, edit }).yaml) as DataProduct;
  const published = (version: string, status = 'active', edit?: (p: DataProduct) => void) => ({
    version,
    status,
    descriptor: product(version, edit),
  });
  const now = new Date('2026-11-21T00:00:00Z');
  const versions = [published('1.0.0', 'retired'), published('3.1.0'), published('not-semver'), published('3.0.0')];
  const diagnostics = (version: string, edit?: (p: DataProduct) => void, against?: string) =>
    checkVersioning({ product: product(version, edit), versions, now, against }).diagnostics.map((d) => [
      d.code,
      d.message,
      d.hint,
    ]);

  it('names the current major and the next one to an older major that was never published', () => {
    expect(diagnostics('2.0.0')).toEqual([
      [
        'version-behind',
        '2.x was never published and 3.x is the current major; an older major cannot start now',
        'publish into 3.x or start 4.0.0',
      ],
    ]);
  });

  it('counts breaking changes in the plural, against the newest version of the major', () => {
    const both = (p: DataProduct) => {
      withoutLabel(p);
      p.spec.schema.columns = p.spec.schema.columns.slice(1);
    };
    const found = diagnostics('3.1.1', both).filter(([code]) => code === 'major-version-required');
    expect(found).toHaveLength(1);
    expect(found[0][1]).toMatch(
      /^2 breaking changes since 3\.1\.0 \(column-removed\) need a new major version: publish as 4\.0\.0$/,
    );
  });

  it('compares with the version asked for, or says which versions are published', () => {
    expect(diagnostics('3.2.0', undefined, '9.9.9')).toEqual([
      ['version-not-found', 'version 9.9.9 is not published; published: 3.1.0, 3.0.0, 1.0.0', undefined],
    ]);
    const against = checkVersioning({ product: product('3.2.0', withoutLabel), versions, now, against: '3.0.0' });
    expect(against.base?.version).toBe('3.0.0');
    expect(against.diagnostics.map((d) => d.code)).toEqual(['breaking-change', 'major-version-required']);
  });

  it('gives 30 days of deprecation notice to a product that sets none', () => {
    const noSla = (p: DataProduct) => {
      delete p.spec.sla;
    };
    expect(diagnostics('4.0.0', noSla)).toEqual([
      [
        'new-major',
        "4.0.0 starts a new major: 3.x stays available, deprecated, until at least 2026-12-21 (30 days' notice), and its consumers are notified",
        undefined,
      ],
    ]);
  });
});
