/**
 * Request access: a team of the caller's, a purpose, PII or not, an expiry; then the request's
 * state, refreshed while it is pending (every few seconds, and when the tab comes back into
 * focus) so the consumer sees it approved or denied without reloading.
 */
import { useEffect, useState } from 'react';
import { api, type AccessRequest, type Whoami } from './api';

const REFRESH_MS = 3000;

/** The request as the server has it now, re-read while it is pending. */
function useRequestState(product: string, request: AccessRequest | null, onChange: (r: AccessRequest) => void): void {
  const pending = request?.status === 'pending';
  const id = request?.id;
  useEffect(() => {
    if (!pending || !id) return;
    const refresh = () =>
      api<{ requests: AccessRequest[] }>(`/v1/access?product=${encodeURIComponent(product)}`)
        .then((listing) => {
          const now = listing.requests.find((r) => r.id === id);
          if (now && now.status !== 'pending') onChange(now);
        })
        .catch(() => undefined); // the next tick tries again; the state shown stays the last known
    const timer = setInterval(refresh, REFRESH_MS);
    window.addEventListener('focus', refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
    };
  }, [product, id, pending, onChange]);
}

export function AccessRequestForm({ product, me }: { product: string; me: Whoami }) {
  const signedIn = `${me.user} (${me.role})`;
  const [team, setTeam] = useState('');
  const [purpose, setPurpose] = useState('');
  const [pii, setPii] = useState(false);
  const [expires, setExpires] = useState('90d');
  const [request, setRequest] = useState<AccessRequest | null>(null);
  const [error, setError] = useState<string | null>(null);
  useRequestState(product, request, setRequest);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const outcome = await api<{ request: AccessRequest }>('/v1/access/requests', {
        method: 'POST',
        body: { product, team, purpose, pii, expires: expires || undefined },
      });
      setRequest(outcome.request);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section aria-labelledby="access-title">
      <h2 id="access-title">Request access</h2>
      <p className="hint">As {signedIn}, for one of your teams; the owning domain approves or denies.</p>
      {request ? (
        <p role="status">
          Request {request.id} for team {request.team}: <strong>{request.status}</strong>
          {request.reason ? ` (${request.reason})` : ''}
        </p>
      ) : (
        <form onSubmit={submit} aria-label="request access">
          <label htmlFor="team">Team</label>
          <input id="team" value={team} onChange={(e) => setTeam(e.target.value)} required />
          <label htmlFor="purpose">Purpose</label>
          <input id="purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)} required minLength={5} />
          <label className="inline">
            <input type="checkbox" checked={pii} onChange={(e) => setPii(e.target.checked)} /> PII in clear
          </label>
          <label htmlFor="expires">Expires after</label>
          <input id="expires" value={expires} onChange={(e) => setExpires(e.target.value)} placeholder="90d" />
          <button type="submit">Request access</button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
