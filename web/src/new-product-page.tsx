/**
 * New product, without YAML (#/new): a guided form whose descriptor is written in the browser
 * and shown live, checked as the user types by the server's own validation and governance
 * (POST /v1/check, the same diagnostics as `mesh validate`), then downloaded as a folder or
 * published (POST /v1/products) when the caller's role and domain allow.
 */
import { useEffect, useMemo, useState } from 'react';
import { api, refusal, type Whoami } from './api';
import { AboutFields, ColumnFields, PromiseFields, SourceFields, type Update } from './new-product-fields';
import { zipFiles } from './zip-folder';
import { descriptorYaml, folderFiles, folderPath, initialForm, type ProductForm } from './new-product-form';

interface Diagnostic {
  readonly code: string;
  readonly severity: 'error' | 'warn' | 'info';
  readonly message: string;
  readonly path?: string;
  readonly hint?: string;
}

type CheckState =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'checked'; diagnostics: Diagnostic[] }
  | { kind: 'refused'; message: string };

const CHECK_DELAY_MS = 400;

function bundleOf(form: ProductForm) {
  const sql = form.transformSql.trim();
  return {
    file: `${folderPath(form)}/product.yaml`,
    yaml: descriptorYaml(form),
    transformSql: sql ? `${sql}\n` : undefined,
  };
}

/** The server's check of the form as it stands, a moment after the last keystroke. */
function useLiveCheck(form: ProductForm): CheckState {
  const [state, setState] = useState<CheckState>({ kind: 'idle' });
  useEffect(() => {
    let stale = false;
    const timer = setTimeout(() => {
      setState({ kind: 'checking' });
      api<{ diagnostics: Diagnostic[] }>('/v1/check?draft=true', { method: 'POST', body: bundleOf(form) })
        .then((r) => !stale && setState({ kind: 'checked', diagnostics: r.diagnostics }))
        .catch((e: unknown) => !stale && setState({ kind: 'refused', message: refusal(e) }));
    }, CHECK_DELAY_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [form]);
  return state;
}

function Findings({ state }: { state: CheckState }) {
  const summary =
    state.kind === 'checked'
      ? state.diagnostics.length === 0
        ? 'No findings: the product passes validation and governance.'
        : `${state.diagnostics.filter((d) => d.severity === 'error').length} error(s), ${state.diagnostics.filter((d) => d.severity !== 'error').length} warning(s)`
      : state.kind === 'refused'
        ? `Not checked: ${state.message}`
        : 'Checking…';
  return (
    <section aria-labelledby="findings-title" className="findings">
      <h2 id="findings-title">Validation and governance</h2>
      <p role="status" aria-live="polite" className={state.kind === 'refused' ? 'error' : undefined}>
        {summary}
      </p>
      {state.kind === 'checked' && state.diagnostics.length > 0 && (
        <ul aria-label="findings">
          {state.diagnostics.map((d, i) => (
            <li key={i} className={d.severity === 'error' ? 'error' : undefined}>
              <strong>{d.severity}</strong> <code>{d.code}</code>
              {d.path ? ` at ${d.path}` : ''}: {d.message}
              {d.hint && <span className="hint"> ({d.hint})</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function useObjectUrls(blobs: readonly Blob[]): string[] {
  const urls = useMemo(() => blobs.map((b) => URL.createObjectURL(b)), [blobs]);
  useEffect(() => () => urls.forEach((u) => URL.revokeObjectURL(u)), [urls]);
  return urls;
}

function Downloads({ form }: { form: ProductForm }) {
  const files = useMemo(() => folderFiles(form), [form]);
  const blobs = useMemo(
    () => [
      new Blob([zipFiles(files.map((f) => ({ name: `${folderPath(form)}/${f.name}`, text: f.text })))], {
        type: 'application/zip',
      }),
      ...files.map((f) => new Blob([f.text], { type: 'text/plain' })),
    ],
    [files, form],
  );
  const [zip, ...urls] = useObjectUrls(blobs);
  return (
    <section aria-labelledby="download-title">
      <h2 id="download-title">Download the folder</h2>
      <p className="hint">Unpack it at the root of your repository (it makes {folderPath(form)}/), then commit it.</p>
      <ul aria-label="files">
        <li>
          <a href={zip} download={`${form.name.trim() || 'product'}.zip`}>
            Download the folder (.zip)
          </a>
        </li>
        {files.map((f, i) => (
          <li key={f.name}>
            <a href={urls[i]} download={f.name}>
              Download {f.name}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Publish({ form, me, check }: { form: ProductForm; me: Whoami; check: CheckState }) {
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const blocked = check.kind === 'checked' && check.diagnostics.some((d) => d.severity === 'error');
  const publish = async () => {
    setOutcome(null);
    try {
      const r = await api<{ product: string; version: string; status: string }>('/v1/products', {
        method: 'POST',
        body: bundleOf(form),
      });
      setOutcome({ ok: true, text: `Published ${r.product}@${r.version} (${r.status}).` });
    } catch (e) {
      setOutcome({ ok: false, text: `Not published: ${refusal(e)}` });
    }
  };
  return (
    <section aria-labelledby="publish-title">
      <h2 id="publish-title">Publish</h2>
      {me.role === 'consumer' ? (
        <p className="hint">
          As a consumer you may not publish: download the folder and ask a member of the domain to publish it.
        </p>
      ) : blocked ? (
        <p className="hint">Fix the errors above to publish.</p>
      ) : null}
      <button type="button" onClick={() => void publish()} disabled={blocked}>
        Publish {folderPath(form)}
      </button>
      {outcome &&
        (outcome.ok ? (
          <p role="status">
            {outcome.text} <a href={`#/p/${folderPath(form)}`}>Open its page</a>
          </p>
        ) : (
          <p role="alert" className="error">
            {outcome.text}
          </p>
        ))}
    </section>
  );
}

export function NewProductPage({ me }: { me: Whoami }) {
  const [form, setForm] = useState<ProductForm>(() => initialForm(me.domains[0] ?? ''));
  const update: Update = (change) => setForm((f) => change(f));
  const check = useLiveCheck(form);
  const yaml = useMemo(() => descriptorYaml(form), [form]);
  return (
    <section aria-labelledby="new-title">
      <h1 id="new-title">New product</h1>
      <p className="hint">Fill in the form; the descriptor is written for you and checked as you type.</p>
      <div className="new-product">
        <form aria-label="new product" onSubmit={(e) => e.preventDefault()}>
          <AboutFields form={form} update={update} domains={me.domains} />
          <SourceFields form={form} update={update} />
          <ColumnFields form={form} update={update} />
          <PromiseFields form={form} update={update} />
        </form>
        <div className="new-product-side">
          <Findings state={check} />
          <Publish form={form} me={me} check={check} />
          <Downloads form={form} />
          <h2 id="yaml-title">product.yaml</h2>
          <pre className="snippet" aria-labelledby="yaml-title" tabIndex={0}>
            {yaml}
          </pre>
        </div>
      </div>
    </section>
  );
}
