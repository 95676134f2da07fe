/**
 * Access control on the read paths, as users meet it: requests and grants, refusals that say
 * what to run, masking that holds through any SQL over the masked view, and an audit row for
 * every read. The contract runs on both registries, in local mode (LocalPlatform with the
 * caller's scope) and in server mode (HttpPlatform with the caller's token).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessScope } from '../../src/access/principal.js';
import { localScope } from '../../src/access/principal.js';
import type { DataExport } from '../../src/access/access-api.js';
import type { MeshError } from '../../src/core/errors.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { maskedSelect } from '../../src/engine/masked-select.js';
import { maskHash } from '../../src/engine/masking-key.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { PolicyEngine } from '../../src/governance/policy-engine.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import type { MeshApi } from '../../src/platform/mesh-api.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { streamName } from '../../src/ports/stream-port.js';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { sweepExpiredGrants } from '../../src/registry/operations/access/sweep-expired-grants.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { createToken } from '../../src/registry/operations/identity/tokens.js';
import type { Registry } from '../../src/registry/registry.js';
import { HttpPlatform } from '../../src/server/client/http-platform.js';
import type { Role } from '../../src/server/server-api.js';
import type { RunOutcome } from '../../src/runner/run-outcome.js';
import { createCopyGate, waitForGatedCopy } from '../helpers/copy-gate.js';
import { pipelineBundle, uniqueName } from '../helpers/pipelines.js';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { PEOPLE, PEOPLE_COLUMNS, PEOPLE_SQL } from '../helpers/people.js';
import {
  BACKENDS,
  createTestDatabase,
  createTestRegistry,
  type BackendName,
  type TestRegistry,
} from '../helpers/registries.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'test-masking-key-0123456789abcdef';
const CLEAR = PEOPLE.flatMap((p) => [p.email, p.name, p.phone, p.ssn]);
/** Any clear PII value (the phones' + escaped). */
const CLEAR_RE = new RegExp(CLEAR.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));

type Access = NonNullable<DataProduct['spec']['access']>;

/** A product of the identity domain with every masking kind, read from a CSV file. */
function peopleBundle(name: string, csv: string, access: Access, version = '1.0.0') {
  const bundle = pipelineBundle({
    domain: 'identity',
    name,
    version,
    inputs: [{ name: 'people', source: { type: 'file', path: csv, format: 'csv' } }],
    sql: PEOPLE_SQL,
    primaryKey: ['id'],
    columns: PEOPLE_COLUMNS,
    // A warn check failing on every row: its samples are rows of the product.
    checks: [{ type: 'accepted_values', column: 'country', values: ['XX'], severity: 'warn' }],
  });
  const product = JSON.parse(bundle.yaml) as DataProduct;
  product.spec.access = access;
  return { ...bundle, yaml: JSON.stringify(product, null, 2) };
}

/** A product of `domain` reading the people product as input `src`: its `contact` is the e-mail as read. */
/** A product of `domain` reading the people's e-mails: classified as strongly as upstream (PII follows the data). */
function consumerBundle(domain: string, name: string, input: string) {
  return pipelineBundle({
    domain,
    name,
    inputs: [{ name: 'src', product: input }],
    sql: 'SELECT id, email AS contact, country FROM src',
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
      { name: 'contact', type: 'varchar', pii: 'direct', masking: 'hash' },
      { name: 'country', type: 'varchar', pii: 'none' },
    ],
    // Fails on every row: its samples are what the run read.
    checks: [{ type: 'accepted_values', column: 'country', values: ['XX'], severity: 'warn' }],
  });
}

/** The current snapshot of a product, as its file holds it, by id. */
async function snapshotRows(warehouseDir: string, id: string): Promise<Array<Record<string, unknown>>> {
  const current = readCurrentPointer(warehouseDir, id, 1);
  if (!current) throw new Error(`${id} has no current snapshot`);
  const engine = await openEngine();
  try {
    const rows = await engine.rows(`SELECT * FROM read_parquet(${quoteLiteral(current.file)}) ORDER BY id`);
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  } finally {
    engine.close();
  }
}

/** One caller: the platform as they reach it and the scope they pass. */
interface Caller {
  readonly api: MeshApi;
  readonly scope: AccessScope;
}

interface Mode {
  readonly registry: Registry;
  readonly warehouseDir: string;
  /** The admin, who publishes and runs. */
  readonly admin: Caller;
  as(user: string, role: Role): Promise<Caller>;
  close(): Promise<void>;
}

const TEAMS: Array<{ team: string; domains: string[]; members: string[] }> = [
  { team: 'identity-crew', domains: ['identity'], members: ['olive'] },
  { team: 'analytics', domains: ['analytics'], members: ['ana'] },
  { team: 'fraud', domains: ['risk'], members: ['fred'] },
  { team: 'marketing', domains: ['marketing'], members: ['mark'] },
  { team: 'hr', domains: ['people-ops'], members: ['hana'] },
  { team: 'growth', domains: ['growth'], members: ['gina'] },
];

async function addTeams(registry: Registry): Promise<void> {
  for (const t of TEAMS) {
    await createTeam(registry, { name: t.team, domains: t.domains });
    for (const m of t.members) await addTeamMember(registry, t.team, m);
  }
}

async function localMode(backend: BackendName): Promise<Mode> {
  const db: TestRegistry = await createTestRegistry(backend);
  const home = mkdtempSync(join(tmpdir(), 'mesh-access-'));
  const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'root' };
  const platform = new LocalPlatform({ registry: db.registry, config, maskingKey: KEY });
  await addTeams(db.registry);
  return {
    registry: db.registry,
    warehouseDir: config.warehouseDir,
    admin: { api: platform, scope: localScope('root') },
    as: async (user, role) => ({ api: platform, scope: { principal: { user, role } } }),
    close: async () => {
      await platform.close();
      await db.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

async function serverMode(backend: BackendName): Promise<Mode> {
  const home = mkdtempSync(join(tmpdir(), 'mesh-access-srv-'));
  const saved = { home: process.env.MESH_HOME, key: process.env.MESH_MASKING_KEY };
  process.env.MESH_HOME = home;
  process.env.MESH_MASKING_KEY = KEY;
  let t: TestServer;
  try {
    t = await startTestServer(backend);
  } finally {
    restoreEnv('MESH_HOME', saved.home);
    restoreEnv('MESH_MASKING_KEY', saved.key);
  }
  await addTeams(t.registry);
  const client = (token: string): Caller => ({
    api: new HttpPlatform({ baseUrl: t.url, token }),
    scope: { principal: { user: 'token', role: 'consumer' } },
  });
  return {
    registry: t.registry,
    warehouseDir: join(home, 'warehouse'),
    admin: client(t.adminToken),
    as: async (user, role) => client((await createToken(t.registry, { user, role, createdBy: 'test' })).token),
    close: async () => {
      await t.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

async function refusal(promise: Promise<unknown>): Promise<MeshError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as MeshError,
  );
  if (!error) throw new Error('expected a refusal, the call succeeded');
  return error;
}

async function text(exported: DataExport): Promise<string> {
  return new Response(exported.body).text();
}

async function csvRows(exported: DataExport): Promise<Array<Record<string, string>>> {
  const [header, ...lines] = (await text(exported)).trim().split('\n');
  const names = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
}

for (const backend of BACKENDS) {
  for (const modeName of ['local', 'server'] as const) {
    describe(`access on ${backend}, ${modeName} mode`, () => {
      let m: Mode;
      let dir: string;
      let product: string;
      let csv: string;
      const callers = new Map<string, Caller>();
      const as = (user: string) => callers.get(user)!;

      beforeAll(async () => {
        m = modeName === 'local' ? await localMode(backend) : await serverMode(backend);
        for (const [user, role] of [
          ['olive', 'member'],
          ['ana', 'consumer'],
          ['fred', 'consumer'],
          ['mark', 'consumer'],
          ['hana', 'consumer'],
          ['gina', 'consumer'],
        ] as const)
          callers.set(user, await m.as(user, role));
        dir = mkdtempSync(join(tmpdir(), 'mesh-access-data-'));
        csv = join(dir, 'people.csv');
        writeFileSync(
          csv,
          `id,email,name,phone,ssn,country\n${PEOPLE.map((p) => Object.values(p).join(',')).join('\n')}\n`,
        );
        const name = uniqueName('people');
        product = `identity/${name}`;
        await m.admin.api.publish(
          peopleBundle(name, csv, { default: 'deny', allow: [{ team: 'analytics' }], pii: [{ team: 'fraud' }] }),
        );
        const run = await m.admin.api.runProduct(product);
        expect(run.status, JSON.stringify(run)).toBe('succeeded');
      }, 60_000);
      afterAll(async () => {
        await m?.close();
        rmSync(dir, { recursive: true, force: true });
      });

      it('refuses a download without a grant: who, what, the missing grant and the command; nothing is written; logged', async () => {
        const mark = as('mark');
        const error = await refusal(mark.api.exportData(mark.scope, product, { format: 'csv' }));
        expect(error.kind).toBe('not-allowed');
        expect(error.message).toBe(`mark (teams marketing) may not read ${product}@1: no grant`);
        const details = error.details as { hint: string; requestCommand: string };
        expect(details.requestCommand).toBe(
          `mesh access request ${product}@1 --team marketing --purpose "<why you need it>"`,
        );
        const log = await m.admin.api.accessLog(m.admin.scope, { product });
        expect(log[0]).toMatchObject({ user: 'mark', path: 'download', allowed: false, rows: null });
        expect(log[0].reason).toContain('no grant');
      });

      it('masks direct and sensitive columns for a standing (non-PII) grant, clear for a PII grant; both logged without values', async () => {
        const ana = as('ana');
        const masked = await ana.api.exportData(ana.scope, product, { format: 'csv' });
        expect(masked).toMatchObject({ rows: 3, piiCleared: false, maskedColumns: ['email', 'name', 'phone', 'ssn'] });
        const rows = await csvRows(masked);
        expect(rows.map((r) => r.id)).toEqual(['1', '2', '3'].filter((id) => rows.some((r) => r.id === id)));
        const ada = rows.find((r) => r.id === '1')!;
        expect(ada).toEqual({
          id: '1',
          email: maskHash(KEY, 'ada@example.com'),
          name: 'A***e',
          phone: '***',
          ssn: '',
          country: 'UK',
        });
        expect(rows.find((r) => r.id === '3')!.name).toBe('***');
        const fred = as('fred');
        const clear = await fred.api.exportData(fred.scope, product, { format: 'json' });
        expect(clear).toMatchObject({ piiCleared: true, maskedColumns: [] });
        const lines = (await text(clear))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines.find((r) => r.id === 1)).toMatchObject({ email: 'ada@example.com', ssn: '111-22-3333' });
        const log = await m.admin.api.accessLog(m.admin.scope, { product });
        const anaRow = log.find((r) => r.user === 'ana' && r.path === 'download')!;
        expect(anaRow).toMatchObject({ allowed: true, rows: 3, maskedColumns: ['email', 'name', 'phone', 'ssn'] });
        expect(anaRow.reason).toMatch(/^grant std-[0-9a-f]+ \(standing, team analytics\)$/);
        expect(log.find((r) => r.user === 'fred')).toMatchObject({ allowed: true, maskedColumns: [] });
        expect(JSON.stringify(log)).not.toMatch(/ada@example\.com|111-22-3333/);
      });

      it('requests, refuses approval by the requester, approves once (twice is a conflict), revokes: reads follow at once', async () => {
        const mark = as('mark');
        const olive = as('olive');
        const { request, grant } = await mark.api.requestAccess(mark.scope, {
          product: `${product}@1`,
          team: 'marketing',
          purpose: 'campaign reach',
        });
        expect(request).toMatchObject({ status: 'pending', team: 'marketing', major: 1, requestedBy: 'mark' });
        expect(grant).toBeNull();
        const own = await refusal(mark.api.decideAccess(mark.scope, request.id, { approve: true }));
        expect(own.kind).toBe('not-allowed');
        // Locally the ownership rule speaks; a server refuses the consumer role first. Both say it.
        expect(own.message).toMatch(/^mark .*may not approve access/);
        const approved = await olive.api.decideAccess(olive.scope, request.id, { approve: true, reason: 'ok' });
        expect(approved.request).toMatchObject({ status: 'approved', decidedBy: 'olive', reason: 'ok' });
        expect(approved.grant).toMatchObject({ granteeKind: 'team', grantee: 'marketing', major: 1, pii: false });
        const twice = await refusal(olive.api.decideAccess(olive.scope, request.id, { approve: true }));
        expect(twice.kind).toBe('conflict');
        expect(twice.message).toBe(`access request ${request.id} was already approved by olive`);
        const read = await mark.api.exportData(mark.scope, product, { format: 'csv' });
        expect(read.maskedColumns).toEqual(['email', 'name', 'phone', 'ssn']);
        await read.body.cancel();
        // A grant to marketing is not one to hr.
        const hana = as('hana');
        expect((await refusal(hana.api.exportData(hana.scope, product, { format: 'csv' }))).message).toContain(
          'hana (teams hr) may not read',
        );
        // Revoked: the next read is refused, naming the revocation.
        const revoked = await olive.api.revokeGrant(olive.scope, approved.grant!.id);
        expect(revoked.revokedBy).toBe('olive');
        const after = await refusal(mark.api.exportData(mark.scope, product, { format: 'csv' }));
        expect(after.message).toMatch(new RegExp(`grant ${approved.grant!.id} was revoked at `));
        const types = (await m.admin.api.listEvents({ subject: product, limit: 1000 })).map((e) => e.type);
        expect(types).toEqual(expect.arrayContaining(['access.requested', 'access.granted', 'access.revoked']));
        expect((await m.admin.api.accessLog(m.admin.scope, { product }))[0]).toMatchObject({
          user: 'mark',
          allowed: false,
        });
      });

      it('a denied request grants nothing; a request for a team one is not in, or for a missing product, is refused', async () => {
        const hana = as('hana');
        const olive = as('olive');
        const { request } = await hana.api.requestAccess(hana.scope, { product, team: 'hr', purpose: 'audit' });
        const denied = await olive.api.decideAccess(olive.scope, request.id, { approve: false, reason: 'not needed' });
        expect(denied).toMatchObject({ request: { status: 'denied', reason: 'not needed' }, grant: null });
        await refusal(hana.api.exportData(hana.scope, product, { format: 'csv' }));
        const other = await refusal(hana.api.requestAccess(hana.scope, { product, team: 'fraud', purpose: 'x' }));
        expect(other.message).toBe('hana may not request access for team fraud: not a member of it');
        const missing = await refusal(
          hana.api.requestAccess(hana.scope, { product: 'identity/no-such-thing', team: 'hr', purpose: 'x' }),
        );
        expect(missing.kind).toBe('not-found');
        expect(missing.message).toBe('no product identity/no-such-thing in the catalog: nothing to request access to');
        const events = await m.admin.api.listEvents({ subject: product, limit: 1000 });
        expect(events.find((e) => e.type === 'access.denied')?.data).toMatchObject({ request: request.id });
      });

      it('an expired grant stops working at its expiry, without a restart, and the sweep announces it once', async () => {
        const hana = as('hana');
        const olive = as('olive');
        const { request } = await hana.api.requestAccess(hana.scope, {
          product,
          team: 'hr',
          purpose: 'short look',
          expires: '2s',
        });
        const { grant } = await olive.api.decideAccess(olive.scope, request.id, { approve: true });
        const read = await hana.api.exportData(hana.scope, product, { format: 'csv' });
        await read.body.cancel();
        await new Promise((r) => setTimeout(r, Date.parse(grant!.expiresAt!) - Date.now() + 50));
        const after = await refusal(hana.api.exportData(hana.scope, product, { format: 'csv' }));
        expect(after.message).toBe(
          `hana (teams hr) may not read ${product}@1: grant ${grant!.id} expired at ${grant!.expiresAt}`,
        );
        expect(await sweepExpiredGrants(m.registry)).toContain(grant!.id);
        expect(await sweepExpiredGrants(m.registry)).not.toContain(grant!.id);
        const events = await m.admin.api.listEvents({ subject: product, limit: 1000 });
        expect(
          events.filter((e) => e.type === 'access.expired').map((e) => (e.data as { grant: string }).grant),
        ).toEqual([grant!.id]);
      });

      it('check samples: shown (masked) to a reader, withheld from others with the request command, logged', async () => {
        const ana = as('ana');
        const seen = await ana.api.listCheckResults(product, { scope: ana.scope });
        const failing = seen.find((c) => c.status === 'fail')!;
        expect(failing.samples!.length).toBe(3);
        expect(JSON.stringify(failing.samples)).not.toMatch(CLEAR_RE);
        const mark = as('mark');
        const hidden = await mark.api.listCheckResults(product, { scope: mark.scope });
        const withheld = hidden.find((c) => c.status === 'fail')!;
        expect(withheld.samples).toBeNull();
        expect(withheld.samplesWithheld).toContain(`mesh access request ${product}@1 --team marketing`);
        const log = await m.admin.api.accessLog(m.admin.scope, { product });
        expect(log.find((r) => r.path === 'checks' && r.user === 'mark')).toMatchObject({ allowed: false });
        expect(log.find((r) => r.path === 'checks' && r.user === 'ana')).toMatchObject({ allowed: true, rows: 3 });
      });

      it('a grant for one major does not open another; standing grants follow republication; autoApprove approves at once', async () => {
        const name = uniqueName('majors');
        const id = `identity/${name}`;
        const access = (allow: Access['allow'], autoApprove?: Access['autoApprove']): Access => ({
          default: 'deny',
          allow,
          ...(autoApprove ? { autoApprove } : {}),
        });
        await m.admin.api.publish(peopleBundle(name, csv, access([{ team: 'analytics' }], [{ domain: 'marketing' }])));
        const mark = as('mark');
        const auto = await mark.api.requestAccess(mark.scope, { product: `${id}@1`, team: 'marketing', purpose: 'x' });
        expect(auto.request).toMatchObject({ status: 'approved', decidedBy: 'meshwork:auto-approve' });
        expect(auto.grant).toMatchObject({ grantee: 'marketing', major: 1 });
        const pii = await mark.api.requestAccess(mark.scope, {
          product: id,
          team: 'marketing',
          purpose: 'x',
          pii: true,
        });
        expect(pii.request.status).toBe('pending');
        await m.admin.api.publish(peopleBundle(name, csv, access([{ team: 'analytics' }]), '2.0.0'));
        expect((await m.admin.api.runProduct(`${id}@2`)).status).toBe('succeeded');
        const other = await refusal(mark.api.exportData(mark.scope, `${id}@2`, { format: 'csv' }));
        expect(other.message).toBe(
          `mark (teams marketing) may not read ${id}@2: grant ${auto.grant!.id} covers @1 only`,
        );
        // Republishing major 2 with hr instead of analytics moves the standing grant.
        const ana = as('ana');
        await (await ana.api.exportData(ana.scope, `${id}@2`, { format: 'csv' })).body.cancel();
        await m.admin.api.publish(peopleBundle(name, csv, access([{ team: 'hr' }]), '2.1.0'));
        expect((await refusal(ana.api.exportData(ana.scope, `${id}@2`, { format: 'csv' }))).message).toMatch(
          new RegExp(`^ana \\(teams analytics\\) may not read ${id}@2: grant std-[0-9a-f]+ covers @1 only$`),
        );
        const hana = as('hana');
        const read = await hana.api.exportData(hana.scope, `${id}@2`, { format: 'csv' });
        expect(read.rows).toBe(3);
        await read.body.cancel();
        const standing = (await m.admin.api.listAccess({ product: id })).grants.filter((g) => g.origin === 'standing');
        expect(standing.map((g) => `${g.major}:${g.grantee}`).sort()).toEqual(['1:analytics', '2:hr']);
      });

      it('a product input reads through the decision for the consuming domain: refused without a grant (the run fails, naming the request), masked with one, clear with a PII grant; a revoked grant fails the next run and the last good snapshot stays; dry runs alike', async () => {
        const olive = as('olive');
        const gina = as('gina');
        const name = uniqueName('reach');
        const consumer = `growth/${name}`;
        const bundle = consumerBundle('growth', name, `${product}@1`);
        const published = await m.admin.api.publish(bundle);
        // validate/publish say it first: the input is not granted to the consuming domain.
        const warning = published.diagnostics.find((d) => d.code === 'input-not-granted');
        expect(warning?.message).toContain(`reads ${product}@1, which domain growth may not read`);
        expect(warning?.hint).toContain(`mesh access request ${product}@1 --team growth`);
        const refused = await m.admin.api.runProduct(consumer);
        expect(refused.status).toBe('failed');
        expect(refused.error).toBe(
          `input src: ${consumer} (teams growth) may not read ${product}@1: no grant; ask for a grant of ${product}@1 to team growth: mesh access request ${product}@1 --team growth --purpose "<why you need it>"`,
        );
        expect(readCurrentPointer(m.warehouseDir, consumer, 1)).toBeUndefined();
        const dryRefused = await m.admin.api.dryRun(bundle);
        expect(dryRefused.error).toContain(`may not read ${product}@1: no grant`);

        const { request } = await gina.api.requestAccess(gina.scope, {
          product: `${product}@1`,
          team: 'growth',
          purpose: 'reach',
        });
        const { grant } = await olive.api.decideAccess(olive.scope, request.id, { approve: true });
        const good = await m.admin.api.runProduct(consumer);
        expect(good.status, good.error ?? '').toBe('succeeded');
        const readRows = await snapshotRows(m.warehouseDir, consumer);
        expect(readRows).toEqual(
          PEOPLE.map((p) => ({ id: p.id, contact: maskHash(KEY, p.email), country: p.country })),
        );
        // A dry run reads masked too; its check samples show only what the run read (masked values).
        const dry = await m.admin.api.dryRun(bundle);
        expect(dry.status, dry.error ?? '').toBe('succeeded');
        const samples = JSON.stringify(dry.checks.find((c) => c.status === 'fail')?.samples);
        // contact is direct PII here too (PII follows the data), so the samples mask even what was read masked.
        expect(samples).toMatch(/"contact":"sha256:[0-9a-f]+/);
        expect(samples).not.toContain(maskHash(KEY, 'ada@example.com'));
        expect(samples).not.toMatch(CLEAR_RE);

        await olive.api.revokeGrant(olive.scope, grant!.id);
        const after = await m.admin.api.runProduct(consumer);
        expect(after.status).toBe('failed');
        expect(after.error).toMatch(
          new RegExp(
            `^input src: ${consumer} \\(teams growth\\) may not read ${product}@1: grant ${grant!.id} was revoked at [^;]+; ask for .*mesh access request ${product}@1 --team growth`,
          ),
        );
        expect(readCurrentPointer(m.warehouseDir, consumer, 1)?.snapshotId).toBe(good.snapshotId);

        // The fraud team's domain holds the PII grant: its products read in clear.
        const cleared = uniqueName('fraud-check');
        await m.admin.api.publish(consumerBundle('risk', cleared, `${product}@1`));
        const clear = await m.admin.api.runProduct(`risk/${cleared}`);
        expect(clear.status, clear.error ?? '').toBe('succeeded');
        expect((await snapshotRows(m.warehouseDir, `risk/${cleared}`)).map((r) => r.contact)).toEqual(
          PEOPLE.map((p) => p.email),
        );

        const log = await m.admin.api.accessLog(m.admin.scope, { product });
        const inputs = log.filter((r) => r.path === 'input' || r.path === 'input:dry-run');
        expect(inputs.filter((r) => r.user === consumer).map((r) => [r.path, r.allowed])).toEqual([
          ['input', false],
          ['input:dry-run', true],
          ['input', true],
          ['input:dry-run', false],
          ['input', false],
        ]);
        expect(inputs.find((r) => r.user === consumer && r.path === 'input' && r.allowed)).toMatchObject({
          rows: 3,
          maskedColumns: ['email', 'name', 'phone', 'ssn'],
          grantId: grant!.id,
        });
        expect(inputs.find((r) => r.user === `risk/${cleared}`)).toMatchObject({ allowed: true, maskedColumns: [] });
      });
    });
  }
}

const GATE_LOCK = 914_001;

for (const backend of BACKENDS) {
  describe(`a grant revoked during a run, on ${backend}`, () => {
    let m: Mode;
    let source: { url: string; drop: () => Promise<void> };
    let client: pg.Client;
    let dir: string;

    beforeAll(async () => {
      m = await localMode(backend);
      source = await createTestDatabase('mesh_access_gate');
      client = new pg.Client({ connectionString: source.url });
      await client.connect();
      await createCopyGate(client, GATE_LOCK);
      dir = mkdtempSync(join(tmpdir(), 'mesh-access-gate-'));
    }, 60_000);
    afterAll(async () => {
      await client?.end();
      await source?.drop();
      await m?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('fails the run when the grant is revoked after it started and before the input is read; the last good snapshot stays', async () => {
      const csv = join(dir, 'people.csv');
      writeFileSync(
        csv,
        `id,email,name,phone,ssn,country\n${PEOPLE.map((p) => Object.values(p).join(',')).join('\n')}\n`,
      );
      const upstream = uniqueName('people');
      const product = `identity/${upstream}`;
      await m.admin.api.publish(peopleBundle(upstream, csv, { default: 'deny', allow: [{ team: 'analytics' }] }));
      expect((await m.admin.api.runProduct(product)).status).toBe('succeeded');
      const name = uniqueName('gated');
      const consumer = `growth/${name}`;
      const bundle = pipelineBundle({
        domain: 'growth',
        name,
        // The gate is read first (staged, not streamed): the product input is read once it returns.
        inputs: [
          {
            name: 'gate',
            source: { type: 'postgres', connection: '${GATE_URI}', query: 'SELECT 1 AS one WHERE mesh_gate()' },
          },
          { name: 'src', product: `${product}@1` },
        ],
        sql: 'SELECT s.id, s.country FROM src s CROSS JOIN gate g',
        primaryKey: ['id'],
        columns: [
          { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
          { name: 'country', type: 'varchar', pii: 'none' },
        ],
      });
      await m.admin.api.publish(bundle);
      const env = { ...process.env, GATE_URI: source.url, MESH_STREAMED_EXTRACT: '0' };
      const gina = await m.as('gina', 'consumer');
      const { request } = await gina.api.requestAccess(gina.scope, { product, team: 'growth', purpose: 'gated' });
      const { grant } = await m.admin.api.decideAccess(m.admin.scope, request.id, { approve: true });
      const good = await (m.admin.api as LocalPlatform).runProduct(consumer, { env });
      expect(good.status, good.error ?? '').toBe('succeeded');

      await client.query('SELECT pg_advisory_lock($1)', [GATE_LOCK]);
      let run: Promise<RunOutcome> | undefined;
      try {
        run = (m.admin.api as LocalPlatform).runProduct(consumer, { env });
        await waitForGatedCopy(client);
        // The run holds its lock and has read its first input: the grant goes now.
        await m.admin.api.revokeGrant(m.admin.scope, grant!.id);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [GATE_LOCK]);
        await run?.catch(() => undefined);
      }
      const outcome = (await run)!;
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatch(
        new RegExp(
          `^input src: ${consumer} \\(teams growth\\) may not read ${product}@1: grant ${grant!.id} was revoked at [^;]+; ask for a grant of ${product}@1 to team growth: mesh access request ${product}@1 --team growth`,
        ),
      );
      expect(outcome.inputs.map((i) => i.name)).toEqual(['gate']);
      expect(readCurrentPointer(m.warehouseDir, consumer, 1)?.snapshotId).toBe(good.snapshotId);
      const runs = await m.admin.api.listRuns(consumer);
      expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
      const [refusal] = await m.admin.api.accessLog(m.admin.scope, { product });
      expect(refusal).toMatchObject({ user: consumer, path: 'input', allowed: false });
    });
  });
}

for (const backend of BACKENDS) {
  describe(`the PostgreSQL port's own permissions, on ${backend}`, () => {
    let m: Mode;
    let target: { url: string; drop: () => Promise<void> };
    let db: pg.Client;
    let dir: string;

    beforeAll(async () => {
      m = await localMode(backend);
      target = await createTestDatabase('mesh_access_sqlport');
      db = new pg.Client({ connectionString: target.url });
      await db.connect();
      dir = mkdtempSync(join(tmpdir(), 'mesh-access-sqlport-'));
    }, 60_000);
    afterAll(async () => {
      await db?.end();
      await target?.drop();
      await m?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** What a role may read, as the database itself answers (an error's code and message, or the rows). */
    async function readAs(
      role: string,
      sqlText: string,
    ): Promise<Array<Record<string, unknown>> | { refused: string }> {
      await db.query('BEGIN');
      try {
        await db.query(`SET LOCAL ROLE ${role}`);
        return (await db.query(sqlText)).rows;
      } catch (error) {
        return { refused: `${(error as { code?: string }).code}: ${(error as Error).message}` };
      } finally {
        await db.query('ROLLBACK');
      }
    }

    it('a role per team: the PII-cleared read the table, the others the masked view; a grant opens the view at once and its revocation is refused by the database', async () => {
      const csv = join(dir, 'people.csv');
      writeFileSync(
        csv,
        `id,email,name,phone,ssn,country\n${PEOPLE.map((p) => Object.values(p).join(',')).join('\n')}\n`,
      );
      const name = uniqueName('people');
      const table = name.replace(/-/g, '_');
      const bundle = peopleBundle(name, csv, {
        default: 'deny',
        allow: [{ team: 'analytics' }],
        pii: [{ team: 'fraud' }],
      });
      const product = JSON.parse(bundle.yaml) as DataProduct;
      product.spec.outputPorts.push({
        name: 'sql',
        type: 'postgres',
        connection: '${SQLPORT_URI}',
        table: `public.${table}`,
      });
      const id = `identity/${name}`;
      await m.admin.api.publish({ ...bundle, yaml: JSON.stringify(product) });
      const platform = m.admin.api as LocalPlatform;
      const env = { ...process.env, SQLPORT_URI: target.url };
      process.env.SQLPORT_URI = target.url;
      try {
        const run = await platform.runProduct(id, { env });
        expect(run.status, run.error ?? '').toBe('succeeded');

        // Not PII-cleared: the table is refused by PostgreSQL, the view is masked as a download is.
        const table403 = await readAs('mesh_team_analytics', `SELECT * FROM ${table}`);
        expect(table403).toEqual({ refused: `42501: permission denied for table ${table}` });
        const masked = (await readAs('mesh_team_analytics', `SELECT * FROM ${table}_masked ORDER BY id`)) as Array<
          Record<string, unknown>
        >;
        expect(masked[0]).toEqual({
          id: '1',
          email: maskHash(KEY, 'ada@example.com'),
          name: 'A***e',
          phone: '***',
          ssn: null,
          country: 'UK',
        });
        expect(JSON.stringify(masked)).not.toMatch(CLEAR_RE);
        // The key is neither in the view's text nor readable by a reader.
        const { rows: defs } = await db.query<{ d: string }>(
          'SELECT definition AS d FROM pg_views WHERE viewname = $1',
          [`${table}_masked`],
        );
        expect(defs[0].d).not.toContain(KEY);
        expect(await readAs('mesh_team_analytics', 'SELECT key FROM mesh_private.masking_key')).toMatchObject({
          refused: expect.stringMatching(/^42501: permission denied for schema mesh_private/),
        });
        // PII-cleared and owning teams read the table in clear.
        for (const role of ['mesh_team_fraud', 'mesh_team_identity_crew']) {
          const rows = (await readAs(role, `SELECT email FROM ${table} ORDER BY id`)) as Array<{ email: string }>;
          expect(
            rows.map((r) => r.email),
            role,
          ).toEqual(PEOPLE.map((p) => p.email));
        }
        // A team without a grant has no role to read with, or no privilege on either.
        expect(await readAs('mesh_team_marketing', `SELECT * FROM ${table}_masked`)).toMatchObject({
          refused: expect.stringMatching(/^(42501|22023): /),
        });

        // Approved: the database follows at once, without a run.
        const mark = await m.as('mark', 'consumer');
        const olive = await m.as('olive', 'member');
        const { request } = await mark.api.requestAccess(mark.scope, {
          product: id,
          team: 'marketing',
          purpose: 'sql',
        });
        const { grant } = await olive.api.decideAccess(olive.scope, request.id, { approve: true });
        expect(await readAs('mesh_team_marketing', `SELECT count(*)::int AS n FROM ${table}_masked`)).toEqual([
          { n: 3 },
        ]);
        expect(await readAs('mesh_team_marketing', `SELECT * FROM ${table}`)).toMatchObject({
          refused: expect.stringMatching(/^42501/),
        });
        // Revoked: the database itself refuses the role, and still does after the next publication.
        await olive.api.revokeGrant(olive.scope, grant!.id);
        expect(await readAs('mesh_team_marketing', `SELECT * FROM ${table}_masked`)).toEqual({
          refused: `42501: permission denied for view ${table}_masked`,
        });
        expect((await platform.runProduct(id, { env })).status).toBe('succeeded');
        expect(await readAs('mesh_team_marketing', `SELECT * FROM ${table}_masked`)).toEqual({
          refused: `42501: permission denied for view ${table}_masked`,
        });
        expect(await readAs('mesh_team_analytics', `SELECT count(*)::int AS n FROM ${table}_masked`)).toEqual([
          { n: 3 },
        ]);
        // Expired: the monitor's sweep announces it and the database revokes it.
        const hana = await m.as('hana', 'consumer');
        const short = await hana.api.requestAccess(hana.scope, {
          product: id,
          team: 'hr',
          purpose: 'sql',
          expires: '2s',
        });
        const { grant: brief } = await olive.api.decideAccess(olive.scope, short.request.id, { approve: true });
        expect(await readAs('mesh_team_hr', `SELECT count(*)::int AS n FROM ${table}_masked`)).toEqual([{ n: 3 }]);
        await new Promise((r) => setTimeout(r, Date.parse(brief!.expiresAt!) - Date.now() + 50));
        for (const expired of await sweepExpiredGrants(m.registry)) await platform.followExpiredGrant(expired);
        expect(await readAs('mesh_team_hr', `SELECT * FROM ${table}_masked`)).toEqual({
          refused: `42501: permission denied for view ${table}_masked`,
        });
      } finally {
        delete process.env.SQLPORT_URI;
      }
    });
  });
}

const NATS_URL = process.env.MESH_NATS_URL ?? 'nats://127.0.0.1:4222';

for (const backend of BACKENDS) {
  describe(`the stream port, on ${backend}`, () => {
    let m: Mode;
    let dir: string;
    let csv: string;
    /** The same platform with the built-in rules in force. */
    let governed: LocalPlatform;
    /** The product `streamed` published last. */
    let lastId = '';

    beforeAll(async () => {
      m = await localMode(backend);
      governed = new LocalPlatform({
        registry: m.registry,
        config: (m.admin.api as LocalPlatform).config,
        governance: new PolicyEngine(),
        maskingKey: KEY,
      });
      dir = mkdtempSync(join(tmpdir(), 'mesh-access-stream-'));
      csv = join(dir, 'people.csv');
      writeFileSync(
        csv,
        `id,email,name,phone,ssn,country\n${PEOPLE.map((p) => Object.values(p).join(',')).join('\n')}\n`,
      );
    }, 60_000);
    afterAll(async () => {
      await m?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Publishes and runs a people product with a stream port; returns the rows its stream carried. */
    async function streamed(access: Access, readers?: 'pii-cleared'): Promise<Array<Record<string, unknown>>> {
      const name = uniqueName('people');
      const subject = `access.${name.replace(/-/g, '_')}`;
      lastId = `identity/${name}`;
      const bundle = peopleBundle(name, csv, access);
      const product = JSON.parse(bundle.yaml) as DataProduct;
      product.spec.outputPorts.push({ name: 'events', type: 'stream', subject, ...(readers ? { readers } : {}) });
      await governed.publish({ ...bundle, yaml: JSON.stringify(product) });
      const env = { ...process.env, MESH_NATS_URL: NATS_URL };
      const nc = await connect({ servers: NATS_URL });
      const stream = streamName(`identity/${name}`);
      try {
        const run = await governed.runProduct(`identity/${name}`, { env });
        expect(run.status, run.error ?? '').toBe('succeeded');
        const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
        const rows: Array<Record<string, unknown>> = [];
        for await (const msg of await consumer.fetch({ max_messages: 10, expires: 2_000 })) {
          if (msg.subject.endsWith('.snapshot.published')) break;
          rows.push(msg.json());
        }
        return rows.sort((a, b) => Number(a.id) - Number(b.id));
      } finally {
        await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
        await nc.close();
      }
    }

    it('masks direct and sensitive columns in what it publishes, with the keyed hash of every read path', async () => {
      const rows = await streamed({ default: 'deny', allow: [{ team: 'analytics' }], pii: [{ team: 'fraud' }] });
      expect(rows).toHaveLength(3);
      expect(rows[0]).toMatchObject({
        id: '1',
        email: maskHash(KEY, 'ada@example.com'),
        name: 'A***e',
        phone: '***',
        ssn: null,
      });
      expect(JSON.stringify(rows)).not.toMatch(CLEAR_RE);
    });

    it('publishes in clear only when declared for PII-cleared readers, which admits only PII-cleared teams', async () => {
      const refused = await refusal(
        streamed({ default: 'deny', allow: [{ team: 'analytics' }], pii: [{ team: 'fraud' }] }, 'pii-cleared'),
      );
      const found = (refused.details as { diagnostics: Array<{ message: string; path: string }> }).diagnostics.find(
        (d) => d.path.includes('outputPorts') && d.path.endsWith('readers'),
      );
      expect(found?.message).toBe(
        'output port "events" publishes PII in clear (readers: pii-cleared), but readers without PII clearance may read the product',
      );
      const rows = await streamed({ default: 'deny', pii: [{ team: 'fraud' }] }, 'pii-cleared');
      expect(rows.map((r) => r.email)).toEqual(PEOPLE.map((p) => p.email));
      const mark = await m.as('mark', 'consumer');
      const masked = await refusal(
        mark.api.requestAccess(mark.scope, { product: lastId, team: 'marketing', purpose: 'x' }),
      );
      expect(masked.message).toBe(
        `${lastId} publishes PII in clear on output port events (readers: pii-cleared): it admits only PII-cleared teams`,
      );
    });
  });
}

describe('masking in the engine', () => {
  it('holds through a join, a CTE, an aggregate, a window and CASE over the masked view; hashes join across products and are keyed', async () => {
    const engine = await openEngine();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'mesh-mask-'));
      const file = join(dir, 'people.parquet');
      await engine.connection.run(
        `COPY (SELECT * FROM (VALUES ${PEOPLE.map((p) => `(${p.id}, ${quoteLiteral(p.email)}, ${quoteLiteral(p.name)}, ${quoteLiteral(p.ssn)}, ${quoteLiteral(p.country)})`).join(', ')}) AS t(id, email, name, ssn, country)) TO ${quoteLiteral(file)} (FORMAT parquet)`,
      );
      const columns = [
        { name: 'id', type: 'bigint', pii: 'none' as const },
        { name: 'email', type: 'varchar', pii: 'direct' as const, masking: 'hash' as const },
        { name: 'name', type: 'varchar', pii: 'direct' as const, masking: 'partial' as const },
        { name: 'ssn', type: 'varchar', pii: 'sensitive' as const, masking: 'redact' as const },
        { name: 'country', type: 'varchar', pii: 'none' as const },
      ];
      const view = maskedSelect(`read_parquet(${quoteLiteral(file)})`, columns, { piiCleared: false, hashKey: KEY });
      await engine.connection.run(`CREATE VIEW people AS ${view.sql}`);
      // Another product keyed by e-mail, masked with the same key: the hashes join.
      await engine.connection.run(
        `CREATE VIEW orders AS ${maskedSelect(`(SELECT 'ada@example.com' AS email, 10 AS amount UNION ALL SELECT 'bob@example.com', 5)`, [columns[1]], { piiCleared: false, hashKey: KEY }).sql}`,
      );
      const queries = [
        'SELECT p.email, p.name, o.amount FROM people p JOIN orders o ON o.email = p.email',
        'WITH x AS (SELECT email, ssn FROM people WHERE country <> $$FR$$) SELECT * FROM x',
        'SELECT max(email) AS e, min(name) AS n, string_agg(ssn, $$|$$) AS s FROM people',
        'SELECT email, row_number() OVER (PARTITION BY email ORDER BY name) AS r, lag(name) OVER (ORDER BY id) AS prev FROM people',
        'SELECT CASE WHEN email LIKE $$%example.com$$ THEN email ELSE name END AS c, CASE WHEN ssn = $$111-22-3333$$ THEN 1 ELSE 0 END AS hit FROM people',
      ];
      for (const q of queries) {
        const rows = await engine.rows(q);
        expect(rows.length, q).toBeGreaterThan(0);
        expect(JSON.stringify(rows), q).not.toMatch(CLEAR_RE);
      }
      const joined = await engine.rows('SELECT o.amount FROM people p JOIN orders o ON o.email = p.email ORDER BY 1');
      expect(joined.map((r) => Number(r.amount))).toEqual([5, 10]);
      expect(
        (
          await engine.rows(
            'SELECT sum(hit) AS n FROM (SELECT CASE WHEN ssn = $$111-22-3333$$ THEN 1 ELSE 0 END AS hit FROM people)',
          )
        )[0].n,
      ).toBe('0');
      const [ada] = await engine.rows('SELECT email FROM people WHERE id = 1');
      expect(ada.email).toBe(maskHash(KEY, 'ada@example.com'));
      // Keyed: neither the bare sha256 of the value nor a hash under another key gives it.
      const { createHash } = await import('node:crypto');
      expect(ada.email).not.toBe(`sha256:${createHash('sha256').update('ada@example.com').digest('hex').slice(0, 16)}`);
      expect(ada.email).not.toBe(maskHash('another-key', 'ada@example.com'));
      rmSync(dir, { recursive: true, force: true });
    } finally {
      engine.close();
    }
  });
});

describe('a server without MESH_MASKING_KEY', () => {
  let t: TestServer;
  let home: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mesh-access-nokey-'));
    const saved = { home: process.env.MESH_HOME, key: process.env.MESH_MASKING_KEY };
    process.env.MESH_HOME = home;
    delete process.env.MESH_MASKING_KEY;
    try {
      t = await startTestServer('sqlite');
    } finally {
      restoreEnv('MESH_HOME', saved.home);
      restoreEnv('MESH_MASKING_KEY', saved.key);
    }
    await addTeams(t.registry);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses to serve hashed columns (503), but serves a PII-cleared reader', async () => {
    // Beside the server's home, not in it: a server never reads its own home as a data file.
    const data = mkdtempSync(join(tmpdir(), 'mesh-access-nokey-data-'));
    const csv = join(data, 'people.csv');
    writeFileSync(
      csv,
      `id,email,name,phone,ssn,country\n${PEOPLE.map((p) => Object.values(p).join(',')).join('\n')}\n`,
    );
    const admin = new HttpPlatform({ baseUrl: t.url, token: t.adminToken });
    await admin.publish(
      peopleBundle('nokey', csv, { default: 'deny', allow: [{ team: 'analytics' }], pii: [{ team: 'fraud' }] }),
    );
    expect((await admin.runProduct('identity/nokey')).status).toBe('succeeded');
    const token = async (user: string) =>
      (await createToken(t.registry, { user, role: 'consumer', createdBy: 'test' })).token;
    const ana = new HttpPlatform({ baseUrl: t.url, token: await token('ana'), retries: 0 });
    const res = await fetch(`${t.url}/v1/products/identity/nokey/data?format=csv`, {
      headers: { authorization: `Bearer ${await token('ana')}` },
    });
    expect(res.status).toBe(503);
    expect((await res.json()).error.message).toBe(
      'this server has no MESH_MASKING_KEY, so it cannot serve hashed columns',
    );
    const fred = new HttpPlatform({ baseUrl: t.url, token: await token('fred') });
    const clear = await fred.exportData({ principal: { user: 'x', role: 'consumer' } }, 'identity/nokey', {
      format: 'parquet',
    });
    expect(clear.piiCleared).toBe(true);
    expect(readCurrentPointer(join(home, 'warehouse'), 'identity/nokey', 1)!.rows).toBe(clear.rows);
    await clear.body.cancel();
    void ana;
  });
});
