/**
 * Builds a demo mesh's history through the platform's own operations, each at its simulated
 * time (core/clock.ts `atTime`): teams and domains, `init` + validate + publish by the people
 * of each domain, real pipeline runs through the runner on small CSV sources (some failing),
 * the freshness monitor's daily tick opening and resolving incidents, owners acknowledging
 * them, access requests approved or denied, downloads and queries, monthly ratings with
 * comments. Nothing is written as rows: the history is what the platform recorded.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { atTime } from '../../core/clock.js';
import { configFromEnv } from '../../core/mesh-config.js';
import type { AccessScope } from '../../access/principal.js';
import { loadDescriptorFile } from '../../platform/descriptor-bundle.js';
import { LocalPlatform } from '../../platform/local-platform.js';
import { addTeamMember, createTeam } from '../../registry/operations/identity/teams.js';
import type { Registry } from '../../registry/registry.js';
import { LocalServerApi } from '../local-server-api.js';
import { FreshnessMonitor } from '../monitor/freshness-monitor.js';
import { demoPlan, PLATFORM_TEAM, type DemoOptions, type DemoPlan, type DemoProduct } from './demo-plan.js';
import { breakSource, fixSource, initDemoProduct, productDir } from './demo-products.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const COMMENTS = ['complete and on time', 'schema changed without notice', 'exactly what we needed', 'late twice'];

export interface SeedDemoOptions extends DemoOptions {
  readonly registry: Registry;
  /** Product folders and the warehouse go here. */
  readonly home: string;
  /** The history ends at the start of this day (default today, UTC). */
  readonly end?: Date;
  readonly progress?: (line: string) => void;
}

export interface SeedDemoSummary {
  readonly domains: number;
  readonly products: number;
  readonly days: number;
  readonly runs: number;
  readonly failedRuns: number;
  readonly incidentsAcknowledged: number;
  readonly accessRequests: number;
  readonly reads: number;
  readonly ratings: number;
  readonly from: string;
  readonly to: string;
  readonly seconds: number;
}

type Counted = 'runs' | 'failedRuns' | 'incidentsAcknowledged' | 'accessRequests' | 'reads' | 'ratings';

interface Seeding {
  readonly plan: DemoPlan;
  readonly registry: Registry;
  readonly home: string;
  readonly start: number;
  readonly platforms: Map<string, LocalPlatform>;
  readonly monitor: FreshnessMonitor;
  readonly grants: Map<string, Array<{ team: string; user: string; since: number }>>;
  /** Broken products and the day they broke. */
  readonly broken: Map<string, number>;
  readonly counts: Record<Counted, number>;
}

export async function seedDemo(options: SeedDemoOptions): Promise<SeedDemoSummary> {
  const began = performance.now();
  const plan = demoPlan(options);
  const endDay = Math.floor((options.end ?? new Date()).getTime() / DAY_MS) * DAY_MS;
  const s: Seeding = {
    plan,
    registry: options.registry,
    home: options.home,
    start: endDay - plan.options.days * DAY_MS,
    platforms: new Map(),
    monitor: new FreshnessMonitor({ registry: options.registry }),
    grants: new Map(),
    broken: new Map(),
    counts: { runs: 0, failedRuns: 0, incidentsAcknowledged: 0, accessRequests: 0, reads: 0, ratings: 0 },
  };
  try {
    await atTime(s.start, () => setUpOrganisation(s));
    for (let day = 0; day < plan.options.days; day++) {
      await seedDay(s, day);
      if (day % 10 === 9) options.progress?.(`day ${day + 1} of ${plan.options.days}: ${s.counts.runs} runs`);
    }
  } finally {
    for (const platform of s.platforms.values()) await platform.close();
  }
  return summary(s, endDay, began);
}

function summary(s: Seeding, endDay: number, began: number): SeedDemoSummary {
  const c = s.counts;
  return {
    domains: s.plan.domains.length,
    products: s.plan.products.length,
    days: s.plan.options.days,
    runs: c.runs,
    failedRuns: c.failedRuns,
    incidentsAcknowledged: c.incidentsAcknowledged,
    accessRequests: c.accessRequests,
    reads: c.reads,
    ratings: c.ratings,
    from: new Date(s.start).toISOString(),
    to: new Date(endDay).toISOString(),
    seconds: Math.round((performance.now() - began) / 100) / 10,
  };
}

/** The platform of one person: what they do is recorded as theirs. */
function platformOf(s: Seeding, actor: string): LocalPlatform {
  let platform = s.platforms.get(actor);
  if (!platform) {
    const config = { ...configFromEnv({}, s.home), home: s.home, warehouseDir: join(s.home, 'warehouse'), actor };
    platform = new LocalPlatform({ registry: s.registry, config });
    s.platforms.set(actor, platform);
  }
  return platform;
}

const member = (user: string): AccessScope => ({ principal: { user, role: 'member' } });
const consumer = (user: string, team: string): AccessScope => ({ principal: { user, role: 'consumer' }, asTeam: team });

async function setUpOrganisation(s: Seeding): Promise<void> {
  const { plan, registry } = s;
  await createTeam(registry, { name: PLATFORM_TEAM, domains: ['platform', plan.domains[0].name] });
  await addTeamMember(registry, PLATFORM_TEAM, plan.platformUser);
  for (const d of plan.domains.slice(1)) {
    await createTeam(registry, { name: d.team, domains: [d.name] });
    if (d.orphaned) await createTeam(registry, { name: d.leadTeam, domains: [d.name] });
    await addTeamMember(registry, d.leadTeam, d.lead);
  }
  const admin = platformOf(s, 'demo-admin');
  for (const d of plan.domains)
    await admin.setDomain({ principal: { user: 'demo-admin', role: 'admin' } }, d.name, {
      ownerTeam: d.team,
      core: d.core,
      description: d.core ? 'identity: a small, deliberate core owned centrally' : `the ${d.name} domain`,
    });
  mkdirSync(join(s.home, 'products'), { recursive: true });
}

const at = (s: Seeding, day: number, hour: number) => s.start + day * DAY_MS + hour * HOUR_MS;
const idOf = (p: DemoProduct) => `${p.domain.name}/${p.name}`;

/** One day of the mesh, in the order of its hours. */
async function seedDay(s: Seeding, day: number): Promise<void> {
  const { products, options } = s.plan;
  for (const p of products) await atTime(at(s, day, 6), () => scheduledRun(s, p, day));
  for (const p of products) await atTime(at(s, day, 9), () => requestAccess(s, p, day));
  for (const p of products) if (p.initDay === day) await atTime(at(s, day, 10), () => initAndValidate(s, p));
  for (const p of products) if (p.publishDay === day) await atTime(at(s, day, 11), () => publish(s, p));
  await atTime(at(s, day, 12), () => s.monitor.tick());
  for (const p of products) await atTime(at(s, day, 13), () => decideAccess(s, p, day));
  for (const p of products) if (s.broken.has(idOf(p))) await atTime(at(s, day, 14), () => followUp(s, p, day));
  for (const [i, p] of products.entries())
    if (day > p.publishDay && (day + i) % options.readEvery === 0) await atTime(at(s, day, 15), () => read(s, p, i));
  for (const p of products) await atTime(at(s, day, 16), () => rate(s, p, day));
}

async function initAndValidate(s: Seeding, p: DemoProduct): Promise<void> {
  const file = initDemoProduct(join(s.home, 'products'), p, s.plan.options.runEvery);
  const checked = loadDescriptorFile(file);
  const result = await platformOf(s, p.publisher).check(checked.bundle);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`demo product ${idOf(p)} does not validate: ${errors[0].message}`);
}

async function publish(s: Seeding, p: DemoProduct): Promise<void> {
  const file = join(productDir(join(s.home, 'products'), p), 'product.yaml');
  await platformOf(s, p.publisher).publish(loadDescriptorFile(file).bundle);
  await runOnce(s, p);
}

async function runOnce(s: Seeding, p: DemoProduct, trigger: 'manual' | 'schedule' = 'manual'): Promise<void> {
  const dir = productDir(join(s.home, 'products'), p);
  const outcome = await platformOf(s, p.publisher).runProduct(idOf(p), { baseDir: dir, trigger });
  s.counts.runs += 1;
  if (outcome.status !== 'succeeded') s.counts.failedRuns += 1;
}

async function scheduledRun(s: Seeding, p: DemoProduct, day: number): Promise<void> {
  if (day <= p.publishDay || (day - p.publishDay) % s.plan.options.runEvery !== 0) {
    if (day !== p.neglectFrom) return;
  }
  const dir = productDir(join(s.home, 'products'), p);
  if (day === p.neglectFrom || s.plan.oneOffFailures.get(idOf(p))?.has(day)) {
    breakSource(dir);
    if (!s.broken.has(idOf(p))) s.broken.set(idOf(p), day);
  }
  await runOnce(s, p, 'schedule');
}

/** The day after a failure: the owner acknowledges the incident, fixes the source and reruns (unless neglected). */
async function followUp(s: Seeding, p: DemoProduct, day: number): Promise<void> {
  if ((p.neglectFrom !== undefined && day >= p.neglectFrom) || day <= s.broken.get(idOf(p))!) return;
  const server = new LocalServerApi(async () => s.registry, { user: p.domain.lead, role: 'member', domains: [] });
  for (const incident of await server.listIncidents({ product: idOf(p), status: 'open' })) {
    await server.acknowledgeIncident(incident.id);
    s.counts.incidentsAcknowledged += 1;
  }
  fixSource(productDir(join(s.home, 'products'), p));
  s.broken.delete(idOf(p));
  await runOnce(s, p);
}

async function requestAccess(s: Seeding, p: DemoProduct, day: number): Promise<void> {
  const k = day - p.publishDay - 1;
  const c = p.consumers[k];
  if (!c || k < 0) return;
  await platformOf(s, c.user).requestAccess(consumer(c.user, c.team), {
    product: idOf(p),
    team: c.team,
    purpose: `${c.team} reports read ${idOf(p)}`,
  });
  s.counts.accessRequests += 1;
}

async function decideAccess(s: Seeding, p: DemoProduct, day: number): Promise<void> {
  const k = day - p.publishDay - 1;
  const c = p.consumers[k];
  if (!c || k < 0) return;
  const owner = platformOf(s, p.domain.lead);
  const listing = await owner.listAccess({ product: idOf(p), team: c.team, pending: true });
  for (const request of listing.requests) {
    const decided = await owner.decideAccess(member(p.domain.lead), request.id, {
      approve: c.approved,
      ...(c.approved ? {} : { reason: 'not for this purpose: ask for the aggregated product' }),
    });
    if (decided.grant) {
      const held = s.grants.get(idOf(p)) ?? [];
      held.push({ team: c.team, user: c.user, since: day });
      s.grants.set(idOf(p), held);
    }
  }
}

/** A consumer (else someone of the domain) downloads the data or queries it, by turns. */
async function read(s: Seeding, p: DemoProduct, i: number): Promise<void> {
  const held = s.grants.get(idOf(p)) ?? [];
  const outside = held[i % Math.max(1, held.length)];
  const scope = outside ? consumer(outside.user, outside.team) : member(p.domain.lead);
  const reader = outside ?? { user: p.domain.lead };
  const platform = platformOf(s, reader.user);
  const table = `${p.domain.name}."${p.name}"`;
  try {
    if (s.counts.reads % 2 === 0) {
      const data = await platform.exportData(scope, idOf(p), { format: 'csv' });
      await data.body.cancel();
    } else {
      const result = await platform.query(scope, { sql: `SELECT count(*) AS n FROM ${table}` });
      for await (const batch of result.batches()) void batch;
      await result.summary;
    }
    s.counts.reads += 1;
  } catch {
    // A product without a good snapshot yet is refused, as it would be for the consumer.
  }
}

/** Each consumer team rates two weeks after its grant and monthly since (a quarter's last rating stands), with a comment now and then. */
async function rate(s: Seeding, p: DemoProduct, day: number): Promise<void> {
  for (const [k, g] of (s.grants.get(idOf(p)) ?? []).entries()) {
    const since = day - g.since;
    if (since <= 0 || since % 30 !== 14) continue;
    const score = s.plan.score(p, Math.floor(since / 30), k);
    await platformOf(s, g.user).rateProduct(consumer(g.user, g.team), {
      product: idOf(p),
      team: g.team,
      score,
      ...(k % 2 === 0 ? { comment: COMMENTS[(score + k) % COMMENTS.length] } : {}),
    });
    s.counts.ratings += 1;
  }
}
