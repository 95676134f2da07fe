/**
 * The access inbox: the pending requests the signed-in owner may decide, each with its purpose,
 * PII and lifetime, approved or denied (with a reason) in place; the decision's outcome stays on
 * the row. The server decides who may decide: a refusal is shown as the server says it.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, type AccessRequest, type Grant } from './api';

interface Listing {
  readonly requests: AccessRequest[];
  readonly grants: Grant[];
}

export function AccessInbox() {
  const [pending, setPending] = useState<AccessRequest[] | null>(null);
  const [decided, setDecided] = useState<AccessRequest[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<Listing>('/v1/access?pending=true')
      .then((l) => setPending(l.requests))
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(load, [load]);
  const decide = async (request: AccessRequest, verb: 'approve' | 'deny', reason: string) => {
    setError(null);
    try {
      const outcome = await api<{ request: AccessRequest }>(`/v1/access/requests/${request.id}/${verb}`, {
        method: 'POST',
        body: reason ? { reason } : {},
      });
      setDecided((d) => [outcome.request, ...d]);
      setPending((p) => (p ?? []).filter((r) => r.id !== request.id));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">Access requests</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {pending === null ? (
        <p className="status">Loading…</p>
      ) : pending.length === 0 ? (
        <p role="status">No pending requests.</p>
      ) : (
        <ul className="inbox" aria-label="pending requests">
          {pending.map((r) => (
            <PendingRequest key={r.id} request={r} onDecide={decide} />
          ))}
        </ul>
      )}
      {decided.length > 0 && (
        <section aria-labelledby="decided-title">
          <h2 id="decided-title">Decided now</h2>
          <ul aria-label="decided requests">
            {decided.map((r) => (
              <li key={r.id}>
                {r.product} for team {r.team}: <strong>{r.status}</strong>
                {r.grantId ? ` (grant ${r.grantId})` : ''}
                {r.reason ? ` — ${r.reason}` : ''}
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}

function PendingRequest({
  request: r,
  onDecide,
}: {
  request: AccessRequest;
  onDecide: (r: AccessRequest, verb: 'approve' | 'deny', reason: string) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  const label = `${r.product}${r.major != null ? `@${r.major}` : ''} for team ${r.team}`;
  return (
    <li className="hit" aria-label={label}>
      <p>
        <strong>{label}</strong> {r.pii && <span className="badge pii-direct">PII in clear</span>}
      </p>
      <p>
        “{r.purpose}” — asked by {r.requestedBy} on {r.requestedAt?.slice(0, 10)}
        {r.expires ? `, for ${r.expires}` : ''}
      </p>
      <label htmlFor={`reason-${r.id}`}>Reason</label>
      <input id={`reason-${r.id}`} value={reason} onChange={(e) => setReason(e.target.value)} />
      <button type="button" onClick={() => void onDecide(r, 'approve', reason)}>
        Approve
      </button>
      <button type="button" onClick={() => void onDecide(r, 'deny', reason)}>
        Deny
      </button>
    </li>
  );
}
