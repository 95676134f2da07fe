/** A product page: what it is, who owns it, its schema with PII, its runs and checks, how to read it, and access. */
import { useEffect, useState } from 'react';
import { api, type CheckResult, type ProductDetail, type RunRecord, type Whoami } from './api';
import { AccessRequestForm } from './access-request';
import { QuerySnippet } from './query-snippet';
import { ProductInsights, VersionHistory } from './product-insights';

function useProduct(domain: string, name: string) {
  const [detail, setDetail] = useState<ProductDetail | null>(null);
  const [runs, setRuns] = useState<RunRecord[]>([]);
  const [checks, setChecks] = useState<CheckResult[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const base = `/v1/products/${encodeURIComponent(domain)}/${encodeURIComponent(name)}`;
    setDetail(null);
    setError(null);
    api<ProductDetail>(base)
      .then(setDetail)
      .catch((e: Error) => setError(e.message));
    // History is optional on the page: a role that may not read it sees the rest.
    api<RunRecord[]>(`${base}/runs?limit=10`)
      .then(setRuns)
      .catch(() => setRuns([]));
    api<CheckResult[]>(`${base}/checks`)
      .then(setChecks)
      .catch(() => setChecks([]));
  }, [domain, name]);
  return { detail, runs, checks, error };
}

export function ProductPage({ domain, name, me }: { domain: string; name: string; me: Whoami }) {
  const { detail, runs, checks, error } = useProduct(domain, name);
  if (error)
    return (
      <p role="alert" className="error">
        {domain}/{name}: {error}
      </p>
    );
  if (!detail)
    return (
      <p className="status">
        Loading {domain}/{name}…
      </p>
    );
  const { product, version } = detail;
  const spec = version.descriptor.spec;
  return (
    <article className="product" aria-labelledby="product-name">
      <h1 id="product-name">
        {version.descriptor.metadata.title ?? product.name} <span className="badge">{product.domain}</span>{' '}
        <span className="badge">v{version.version}</span>{' '}
        <span className={`badge ${version.status}`}>{version.status}</span>
      </h1>
      <p>{product.description}</p>
      <p className="meta">
        owner {product.owner}
        {product.oncall ? ` · on-call ${product.oncall}` : ''}
      </p>
      <p>
        <a href={`#/lineage/${encodeURIComponent(product.domain)}/${encodeURIComponent(product.name)}`}>
          Lineage graph
        </a>
      </p>
      <section aria-labelledby="schema-title">
        <h2 id="schema-title">Schema</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col">PII</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
          <tbody>
            {spec.schema.columns.map((c) => (
              <tr key={c.name}>
                <td>
                  <code>{c.name}</code>
                  {spec.schema.primaryKey?.includes(c.name) ? <span className="badge">key</span> : null}
                </td>
                <td>{c.type}</td>
                <td>
                  {c.pii && c.pii !== 'none' ? (
                    <span className={`badge pii-${c.pii}`}>
                      {c.pii}
                      {c.masking ? ` · masked: ${c.masking}` : ''}
                    </span>
                  ) : (
                    ''
                  )}
                </td>
                <td>{c.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <QuerySnippet domain={product.domain} name={product.name} />
      <Ports inputs={spec.inputs} outputs={spec.outputPorts} />
      <Runs runs={runs} checks={checks} />
      <ProductInsights domain={product.domain} name={product.name} />
      <VersionHistory domain={product.domain} name={product.name} />
      <AccessRequestForm product={product.id} me={me} />
    </article>
  );
}

function Ports({
  inputs,
  outputs,
}: {
  inputs: ProductDetail['version']['descriptor']['spec']['inputs'];
  outputs: ProductDetail['version']['descriptor']['spec']['outputPorts'];
}) {
  return (
    <section aria-labelledby="ports-title">
      <h2 id="ports-title">Inputs and output ports</h2>
      <ul>
        {inputs.map((i) => (
          <li key={`in-${i.name}`}>
            input <code>{i.name}</code>:{' '}
            {i.product ? <a href={`#/p/${i.product.replace(/@.*$/, '')}`}>{i.product}</a> : i.source?.type}
          </li>
        ))}
        {outputs.map((o) => (
          <li key={`out-${o.name}`}>
            output <code>{o.name}</code>: {o.type}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Runs({ runs, checks }: { runs: RunRecord[]; checks: CheckResult[] }) {
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Recent runs and checks</h2>
      {runs.length === 0 ? (
        <p className="status">No runs yet: the product has not been run (mesh run).</p>
      ) : (
        <ul>
          {runs.map((r) => (
            <li key={r.id}>
              <span className={`badge run-${r.status}`}>{r.status}</span> {new Date(r.startedAt).toLocaleString()} ·{' '}
              {r.rowsOut ?? 0} rows · {r.steps.map((s) => `${s.name} ${s.ms} ms`).join(', ')}
              {r.error ? <p className="error">{r.error}</p> : null}
            </li>
          ))}
        </ul>
      )}
      {checks.length > 0 && (
        <ul aria-label="checks of the last run">
          {checks.map((c) => (
            <li key={`${c.runId}-${c.name}`}>
              <span className={`badge check-${c.status}`}>{c.status}</span> {c.name}: {c.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
