/**
 * My access (#/my-access): the caller's own requests with their state, and the grants they
 * hold through those requests' teams or in their own name (GET /v1/access: access metadata
 * is visible to every role). The teams are the caller's own (GET /v1/whoami) and those they
 * asked for access for.
 */
import { type AccessRequest, type Grant, type Whoami } from './api';
import { Loading, useGet } from './domain-pages';
import { ScrollRegion } from './scroll-region';

interface Listing {
  readonly grants: Grant[];
  readonly requests: AccessRequest[];
}

export function mine(listing: Listing, me: Pick<Whoami, 'user' | 'teams'>): Listing {
  const user = me.user;
  const requests = listing.requests.filter((r) => r.requestedBy === user);
  const teams = new Set([...(me.teams ?? []), ...requests.map((r) => r.team)]);
  const grants = listing.grants.filter(
    (g) =>
      !g.revokedAt &&
      ((g.granteeKind === 'team' && teams.has(g.grantee)) || (g.granteeKind === 'user' && g.grantee === user)),
  );
  return { grants, requests };
}

const majorOf = (major: number | null | undefined) =>
  major === null || major === undefined ? 'every major' : `v${major}`;

function Requests({ requests }: { requests: AccessRequest[] }) {
  return requests.length === 0 ? (
    <p role="status">No request yet: ask for access from a product&apos;s page.</p>
  ) : (
    <ScrollRegion label="my requests (scrolls)">
      <table aria-label="my requests">
        <thead>
          <tr>
            <th>product</th>
            <th>team</th>
            <th>purpose</th>
            <th>state</th>
            <th>reason</th>
          </tr>
        </thead>
        <tbody>
          {requests.map((r) => (
            <tr key={r.id}>
              <td>
                <a href={`#/p/${r.product}`}>{r.product}</a> ({majorOf(r.major)})
              </td>
              <td>{r.team}</td>
              <td>{r.purpose}</td>
              <td>{r.status}</td>
              <td>{r.reason ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function Grants({ grants }: { grants: Grant[] }) {
  return grants.length === 0 ? (
    <p role="status">No grant: nothing is readable yet beyond the catalog.</p>
  ) : (
    <ul aria-label="my grants">
      {grants.map((g) => (
        <li key={g.id}>
          <a href={`#/p/${g.product}`}>{g.product}</a> ({majorOf(g.major)}) for {g.granteeKind} {g.grantee}
          {g.pii ? ', PII in clear' : ', PII masked'}
          {g.expiresAt ? `, until ${g.expiresAt.slice(0, 10)}` : ''}
        </li>
      ))}
    </ul>
  );
}

export function MyAccessPage({ me }: { me: Whoami }) {
  const { data, error } = useGet<Listing>('/v1/access');
  if (!data) return <Loading error={error} />;
  const own = mine(data, me);
  return (
    <section aria-labelledby="mine-title">
      <h1 id="mine-title">My access</h1>
      <h2>Grants</h2>
      <Grants grants={own.grants} />
      <h2>Requests</h2>
      <Requests requests={own.requests} />
    </section>
  );
}
