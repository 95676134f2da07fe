/** Search as you type, with facet counts and filters; keyboard first (`/` focuses, arrows move, Enter opens). */
import { useEffect, useRef, useState } from 'react';
import { api, type SearchResult } from './api';
import { HitMeta } from './hit-meta';

const FACET_LABELS: Record<string, string> = {
  domain: 'Domain',
  tag: 'Tags',
  owner: 'Owner',
  pii: 'PII',
  lifecycle: 'Lifecycle',
  sla: 'Freshness SLA',
  stale: 'Stale',
};

type Filters = Record<string, string[]>;

function searchUrl(text: string, filters: Filters): string {
  const params = new URLSearchParams({ q: text, limit: '25' });
  for (const [facet, values] of Object.entries(filters)) for (const v of values) params.append(facet, v);
  return `/v1/catalog/search?${params.toString()}`;
}

function useSearch(text: string, filters: Filters) {
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stale = false;
    const timer = setTimeout(() => {
      api<SearchResult>(searchUrl(text, filters))
        .then((r) => {
          if (!stale) {
            setResult(r);
            setError(null);
          }
        })
        .catch((e: Error) => !stale && setError(e.message));
    }, 60);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [text, filters]);
  return { result, error };
}

export function SearchPage() {
  const [text, setText] = useState('');
  const [filters, setFilters] = useState<Filters>({});
  const [selected, setSelected] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const { result, error } = useSearch(text, filters);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '/' && document.activeElement !== input.current) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => setSelected(0), [result]);
  const hits = result?.hits ?? [];
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') setSelected((s) => Math.min(s + 1, hits.length - 1));
    else if (e.key === 'ArrowUp') setSelected((s) => Math.max(s - 1, 0));
    else if (e.key === 'Enter' && hits[selected]) window.location.hash = `#/p/${hits[selected].id}`;
    else return;
    e.preventDefault();
  };
  const toggle = (facet: string, value: string) =>
    setFilters((f) => {
      const values = f[facet] ?? [];
      const next = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
      return { ...f, [facet]: next };
    });
  return (
    <div className="search">
      <label htmlFor="q" className="visually-hidden">
        Search data products
      </label>
      <input
        id="q"
        ref={input}
        type="search"
        autoFocus
        placeholder="Search products, columns, owners…  (press / to focus)"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        role="combobox"
        aria-expanded={hits.length > 0}
        aria-controls="results"
        aria-activedescendant={hits[selected] ? `hit-${selected}` : undefined}
      />
      {error && (
        <p role="alert" className="error">
          Search failed: {error}
        </p>
      )}
      <div className="search-body">
        <aside aria-label="filters">
          {result &&
            Object.entries(result.facets).map(([facet, counts]) =>
              counts.length ? (
                <fieldset key={facet}>
                  <legend>{FACET_LABELS[facet] ?? facet}</legend>
                  {counts.map((c) => (
                    <label key={c.value} className="facet">
                      <input
                        type="checkbox"
                        checked={filters[facet]?.includes(c.value) ?? false}
                        onChange={() => toggle(facet, c.value)}
                      />
                      {c.value} <span className="count">{c.count}</span>
                    </label>
                  ))}
                </fieldset>
              ) : null,
            )}
        </aside>
        <section aria-label="results">
          {result && (
            <p className="status" role="status">
              {result.total} product{result.total === 1 ? '' : 's'}
              {result.correctedFrom ? ` for “${result.query}” (nothing matched “${result.correctedFrom}”)` : ''}
              {result.total === 0 && result.suggestions.length
                ? ` — did you mean ${result.suggestions.join(', ')}?`
                : ''}
            </p>
          )}
          <ul id="results" role="listbox" aria-label="products">
            {hits.map((hit, i) => (
              <li
                key={hit.id}
                id={`hit-${i}`}
                role="option"
                aria-selected={i === selected}
                className={i === selected ? 'hit selected' : 'hit'}
                // An option holds no link (axe: nested-interactive): a click opens it, as Enter does.
                onClick={() => (window.location.hash = `#/p/${hit.id}`)}
              >
                <span className="hit-title">
                  <strong>{hit.name}</strong> <span className="badge">{hit.domain}</span>{' '}
                  <span className="badge">v{hit.latestVersion}</span>
                  {hit.stale && (
                    <span className="badge stale" title={hit.stale}>
                      stale
                    </span>
                  )}
                </span>
                <p>{hit.description}</p>
                <HitMeta hit={hit} />
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
