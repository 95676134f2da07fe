import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { RegistryTx } from '../../registry.js';
import type { GrantTable } from '../../registry-schema.js';
import type { GrantRecord } from './access-records.js';
import { grantRecord } from './access-rows.js';

export interface ReaderGrantsQuery {
  readonly product: string;
  readonly user: string;
  /** The teams the principal acts through when it names them; omitted: its membership in the registry. */
  readonly teams?: readonly string[];
  /** A team read as (`--as`): its domains are looked up too, and its grants are candidates. */
  readonly asTeam?: string;
}

export interface ReaderGrants {
  /** The principal's own teams (the given ones, else its membership), sorted. */
  readonly teams: string[];
  /** The domains of those teams, sorted. */
  readonly domains: string[];
  /** The domains of `asTeam`, sorted (empty without it). */
  readonly asTeamDomains: string[];
  /**
   * Every grant of the product, revoked and expired ones included (a refusal says why): a
   * superset of the reader's, of which the decision keeps those for the reader it decides for.
   */
  readonly grants: GrantRecord[];
}

const GRANT_COLUMNS = [
  'id',
  'product_id',
  'major',
  'grantee_kind',
  'grantee',
  'pii',
  'origin',
  'request_id',
  'granted_by',
  'granted_at',
  'expires_at',
  'revoked_at',
  'revoked_by',
] as const;

type Row = { k: 'member' | 'domain' | 'grant'; team: string | null; domain: string | null } & Record<
  (typeof GRANT_COLUMNS)[number],
  unknown
>;

/**
 * A read decision's registry facts in one statement (one round trip, which is most of a
 * decision's time on a networked registry): the principal's teams and their domains, and the
 * product's grants through the (product_id, …) index. Every grant of the product is a
 * candidate (a product has one per consumer team or domain, not thousands) and the decision
 * keeps the reader's: a statement without subqueries is planned in a fraction of the time.
 * Nothing is cached, so a revocation, an expiry or a change of membership counts at the very
 * next read.
 */
export async function readerGrants(db: RegistryTx, query: ReaderGrantsQuery): Promise<ReaderGrants> {
  const rows = (await readerGrantsSql(query).execute(db)).rows;
  const memberTeams = new Set(rows.filter((r) => r.k === 'member').map((r) => r.team!));
  const own = new Set(query.teams ?? memberTeams);
  const domains = new Set<string>();
  const asTeamDomains = new Set<string>();
  const grants: GrantRecord[] = [];
  for (const r of rows) {
    if (r.k === 'grant') grants.push(grantRecord(r as unknown as Selectable<GrantTable>));
    else if (r.domain) {
      if (own.has(r.team!)) domains.add(r.domain);
      if (r.team === query.asTeam) asTeamDomains.add(r.domain);
    }
  }
  return { teams: [...own].sort(), domains: [...domains].sort(), asTeamDomains: [...asTeamDomains].sort(), grants };
}

function readerGrantsSql(query: ReaderGrantsQuery): RawBuilder<Row> {
  // Typed, so PostgreSQL matches each branch's columns (an untyped NULL is taken as text).
  const nulls = sql.raw(
    GRANT_COLUMNS.map((c) => `CAST(NULL AS ${c === 'major' || c === 'pii' ? 'INTEGER' : 'TEXT'}) AS ${c}`).join(', '),
  );
  const listed = [...(query.teams ?? []), ...(query.asTeam ? [query.asTeam] : [])];
  const parts = [
    ...(query.teams
      ? []
      : [
          sql`SELECT 'member' AS k, tm.team AS team, td.domain AS domain, ${nulls}
                FROM team_members tm LEFT JOIN team_domains td ON td.team = tm.team
               WHERE tm.user_name = ${query.user}`,
        ]),
    ...(listed.length
      ? [
          sql`SELECT 'domain' AS k, td.team AS team, td.domain AS domain, ${nulls}
                FROM team_domains td WHERE td.team IN (${sql.join(listed)})`,
        ]
      : []),
    sql`SELECT 'grant' AS k, CAST(NULL AS TEXT) AS team, CAST(NULL AS TEXT) AS domain,
               ${sql.raw(GRANT_COLUMNS.map((c) => `g.${c}`).join(', '))}
          FROM grants g WHERE g.product_id = ${query.product}`,
  ];
  return sql<Row>`${sql.join(parts, sql` UNION ALL `)}`;
}
