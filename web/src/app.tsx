/** The shell: sign-in with a token (kept in this browser session), then hash-routed pages. */
import { lazy, Suspense, useEffect, useState } from 'react';
import { api, ApiError, saveToken, savedToken, type Whoami } from './api';
import { AccessInbox } from './access-inbox';
import { DomainPage, DomainsPage } from './domain-pages';
import { GovernancePage } from './governance-page';
import { MyAccessPage } from './my-access-page';
import { NewProductPage } from './new-product-page';
import { HealthPage } from './health-page';
import { ProductPage } from './product-page';
import { SearchPage } from './search-page';
import { ThemeToggle } from './theme-toggle';

// elkjs and React Flow come with the lineage page only, in a chunk of their own.
const LineagePage = lazy(() => import('./lineage-page').then((m) => ({ default: m.LineagePage })));
const LineageChooser = lazy(() => import('./lineage-page').then((m) => ({ default: m.LineageChooser })));

function useHashRoute(): string {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash.replace(/^#/, '') || '/';
}

export function App() {
  const [me, setMe] = useState<Whoami | null>(null);
  const [checking, setChecking] = useState(() => savedToken() !== null);
  useEffect(() => {
    if (!savedToken()) return;
    api<Whoami>('/v1/whoami')
      .then(setMe)
      .catch(() => saveToken(null))
      .finally(() => setChecking(false));
  }, []);
  const route = useHashRoute();
  if (checking) return <p className="status">Signing in…</p>;
  if (!me) return <SignIn onSignedIn={setMe} />;
  const product = /^\/p\/([^/]+)\/([^/]+)$/.exec(route);
  const domain = /^\/domains\/([^/]+)$/.exec(route);
  const lineage = /^\/lineage(?:\/([^/]+)\/([^/?]+)(?:\?(.*))?)?$/.exec(route);
  const lineageParams = new URLSearchParams(lineage?.[3] ?? '');
  return (
    <div className="shell">
      <header className="top">
        <a href="#/" className="brand">
          Meshwork
        </a>
        <nav aria-label="pages">
          <a href="#/">Search</a> <a href="#/access">Access requests</a> <a href="#/my-access">My access</a>{' '}
          <a href="#/health">Mesh health</a> <a href="#/domains">Domains</a> <a href="#/governance">Governance</a>{' '}
          <a href="#/lineage">Lineage</a> <a href="#/new">New product</a>
        </nav>
        <span className="who" aria-label="signed in as">
          {me.user} · {me.role}
        </span>
        <ThemeToggle />
        <button
          type="button"
          onClick={() => {
            saveToken(null);
            setMe(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {product ? (
          <ProductPage domain={decodeURIComponent(product[1])} name={decodeURIComponent(product[2])} me={me} />
        ) : lineage ? (
          <Suspense fallback={<p className="status">Loading the lineage page…</p>}>
            {lineage[1] ? (
              <LineagePage
                domain={decodeURIComponent(lineage[1])}
                name={decodeURIComponent(lineage[2])}
                depth={wholeIn(lineageParams.get('depth'), 1, 10) ?? 1}
                pageSize={wholeIn(lineageParams.get('page'), 1, 1000)}
              />
            ) : (
              <LineageChooser />
            )}
          </Suspense>
        ) : route === '/access' ? (
          <AccessInbox />
        ) : route === '/health' ? (
          <HealthPage />
        ) : route === '/new' ? (
          <NewProductPage me={me} />
        ) : route === '/domains' ? (
          <DomainsPage />
        ) : domain ? (
          <DomainPage name={decodeURIComponent(domain[1])} />
        ) : route === '/my-access' ? (
          <MyAccessPage me={me} />
        ) : route === '/governance' ? (
          <GovernancePage />
        ) : (
          <SearchPage />
        )}
      </main>
    </div>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (me: Whoami) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const me = await api<Whoami>('/v1/whoami', { token: token.trim() });
      saveToken(token.trim());
      onSignedIn(me);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? 'That token is not valid (unknown, expired or revoked). Ask an admin for one: mesh token create.'
          : `The server could not be reached: ${(e as Error).message}`,
      );
    }
  };
  return (
    <main className="sign-in">
      <h1>Meshwork catalog</h1>
      <form onSubmit={submit} aria-label="sign in">
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
        />
        <button type="submit">Sign in</button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
      <p className="hint">The token stays in this browser tab&apos;s session and is never put in a URL.</p>
    </main>
  );
}

/** A whole number from a route parameter, when it is one within [min, max]. */
function wholeIn(raw: string | null, min: number, max: number): number | undefined {
  const n = raw !== null && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return n >= min && n <= max ? n : undefined;
}
