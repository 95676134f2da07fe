/** The new-product form's sections: who owns it, where the data comes from, its columns, and its promises. */
import { ScrollRegion } from './scroll-region';
import { useState, type ReactNode } from 'react';
import { api, refusal } from './api';
import {
  COLUMN_TYPES,
  columnsFromCsv,
  columnsFromProposal,
  emptyColumn,
  FILE_FORMATS,
  MASKINGS,
  PII_CLASSES,
  SOURCE_KINDS,
  type ColumnField,
  type ProductForm,
  type SourceProposal,
} from './new-product-form';

export type Update = (change: (form: ProductForm) => ProductForm) => void;

function Field(props: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  hint?: string;
  type?: string;
}) {
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
      />
      {props.hint && (
        <span id={`${props.id}-hint`} className="hint">
          {props.hint}
        </span>
      )}
    </>
  );
}

function Choice<T extends string>(props: {
  id: string;
  label: string;
  value: T;
  options: readonly T[];
  onChange: (v: T) => void;
}) {
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value as T)}>
        {props.options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="form-section">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}

export function AboutFields({
  form,
  update,
  domains,
}: {
  form: ProductForm;
  update: Update;
  domains: readonly string[];
}) {
  const set = (key: 'name' | 'domain' | 'description' | 'tags' | 'owner' | 'oncall') => (v: string) =>
    update((f) => ({ ...f, [key]: v }));
  return (
    <Section title="About the product">
      <Field id="np-name" label="Name" value={form.name} onChange={set('name')} hint="kebab-case, e.g. daily-orders" />
      <label htmlFor="np-domain">Domain</label>
      <input id="np-domain" list="np-domains" value={form.domain} onChange={(e) => set('domain')(e.target.value)} />
      <datalist id="np-domains">
        {domains.map((d) => (
          <option key={d} value={d} />
        ))}
      </datalist>
      <label htmlFor="np-description">Description</label>
      <textarea id="np-description" value={form.description} onChange={(e) => set('description')(e.target.value)} />
      <Field id="np-tags" label="Tags" value={form.tags} onChange={set('tags')} hint="comma-separated" />
      <Field id="np-owner" label="Owner (team e-mail)" type="email" value={form.owner} onChange={set('owner')} />
      <Field id="np-oncall" label="On-call (e-mail)" type="email" value={form.oncall} onChange={set('oncall')} />
    </Section>
  );
}

function FileSource({ form, update }: { form: ProductForm; update: Update }) {
  const propose = async (file: File | undefined) => {
    if (!file) return;
    const columns = columnsFromCsv(await file.slice(0, 256 * 1024).text());
    const path = `data/${file.name}`;
    update((f) => ({ ...f, source: { ...f.source, path }, columns: columns.length ? columns : f.columns }));
  };
  const s = form.source;
  return (
    <>
      <Field
        id="np-path"
        label="File path"
        value={s.path}
        onChange={(path) => update((f) => ({ ...f, source: { ...f.source, path } }))}
        hint="relative to the descriptor; csv, parquet or json"
      />
      <Choice
        id="np-format"
        label="Format"
        value={s.format}
        options={FILE_FORMATS}
        onChange={(format) => update((f) => ({ ...f, source: { ...f.source, format } }))}
      />
      <label htmlFor="np-sample">Propose the columns from a CSV file</label>
      <input id="np-sample" type="file" accept=".csv,text/csv" onChange={(e) => void propose(e.target.files?.[0])} />
    </>
  );
}

type Describing =
  | { kind: 'idle' }
  | { kind: 'describing' }
  | { kind: 'proposed'; count: number; notes: readonly string[] }
  | { kind: 'refused'; message: string };

/** The columns from the server's description of the query (never a row read; the connection stays on the server). */
function ProposeFromQuery({ form, update }: { form: ProductForm; update: Update }) {
  const [state, setState] = useState<Describing>({ kind: 'idle' });
  const propose = async () => {
    setState({ kind: 'describing' });
    try {
      const proposal = await api<SourceProposal>('/v1/sources/describe', {
        method: 'POST',
        body: {
          domain: form.domain.trim(),
          type: form.source.kind,
          connectionEnv: form.source.connectionEnv.trim(),
          query: form.source.query,
        },
      });
      const columns = columnsFromProposal(proposal);
      if (columns.length) update((f) => ({ ...f, columns }));
      setState({ kind: 'proposed', count: columns.length, notes: proposal.notes });
    } catch (e) {
      setState({ kind: 'refused', message: refusal(e) });
    }
  };
  return (
    <>
      <button type="button" onClick={() => void propose()} disabled={state.kind === 'describing'}>
        Propose the columns from the query
      </button>
      <div role="status" aria-live="polite" aria-busy={state.kind === 'describing'}>
        {state.kind === 'describing' && <p className="status">Describing the query on the source…</p>}
        {state.kind === 'proposed' && (
          <>
            <p>
              Proposed {state.count} column(s) from the query. Their PII classes are guesses from the column names:
              confirm each one.
            </p>
            {state.notes.map((note) => (
              <p key={note} className="hint">
                {note}
              </p>
            ))}
          </>
        )}
      </div>
      {state.kind === 'refused' && (
        <p role="alert" className="error">
          Columns not proposed: {state.message}
        </p>
      )}
    </>
  );
}

function DatabaseSource({ form, update }: { form: ProductForm; update: Update }) {
  const set = (key: 'connectionEnv' | 'query' | 'watermark') => (v: string) =>
    update((f) => ({ ...f, source: { ...f.source, [key]: v } }));
  return (
    <>
      <Field
        id="np-connection"
        label="Connection environment variable"
        value={form.source.connectionEnv}
        onChange={set('connectionEnv')}
        hint="the connection string is read from this variable when the product runs; never put a secret here"
      />
      <label htmlFor="np-query">Query</label>
      <textarea id="np-query" value={form.source.query} onChange={(e) => set('query')(e.target.value)} />
      <Field id="np-watermark" label="Watermark column" value={form.source.watermark} onChange={set('watermark')} />
      <ProposeFromQuery form={form} update={update} />
    </>
  );
}

export function SourceFields({ form, update }: { form: ProductForm; update: Update }) {
  return (
    <Section title="Source">
      <Choice
        id="np-source"
        label="Source type"
        value={form.source.kind}
        options={SOURCE_KINDS}
        onChange={(kind) => update((f) => ({ ...f, source: { ...f.source, kind } }))}
      />
      {form.source.kind === 'file' ? (
        <FileSource form={form} update={update} />
      ) : (
        <DatabaseSource form={form} update={update} />
      )}
      <label htmlFor="np-transform">Transform SQL (optional)</label>
      <textarea
        id="np-transform"
        value={form.transformSql}
        placeholder="SELECT … FROM records"
        onChange={(e) => update((f) => ({ ...f, transformSql: e.target.value }))}
        aria-describedby="np-transform-hint"
      />
      <span id="np-transform-hint" className="hint">
        the source is the table <code>records</code>; leave empty to publish it as it is
      </span>
    </Section>
  );
}

function CellSelect<T extends string>(props: {
  label: string;
  value: T;
  options: readonly T[];
  onChange: (v: T) => void;
}) {
  return (
    <select aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value as T)}>
      {props.options.map((o) => (
        <option key={o}>{o}</option>
      ))}
    </select>
  );
}

function ColumnRow({ column, index, update }: { column: ColumnField; index: number; update: Update }) {
  const set = (change: Partial<ColumnField>) =>
    update((f) => ({ ...f, columns: f.columns.map((c, i) => (i === index ? { ...c, ...change } : c)) }));
  const n = index + 1;
  return (
    <tr>
      <td>
        <input aria-label={`column ${n} name`} value={column.name} onChange={(e) => set({ name: e.target.value })} />
      </td>
      <td>
        <input
          aria-label={`column ${n} type`}
          list="np-types"
          value={column.type}
          onChange={(e) => set({ type: e.target.value })}
        />
      </td>
      <td>
        <CellSelect
          label={`column ${n} PII`}
          value={column.pii}
          options={PII_CLASSES}
          onChange={(pii) => set({ pii })}
        />
      </td>
      <td>
        <CellSelect
          label={`column ${n} masking`}
          value={column.masking}
          options={MASKINGS}
          onChange={(masking) => set({ masking })}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`column ${n} nullable`}
          checked={column.nullable && !column.key}
          disabled={column.key}
          onChange={(e) => set({ nullable: e.target.checked })}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`column ${n} key`}
          checked={column.key}
          onChange={(e) => set({ key: e.target.checked })}
        />
      </td>
      <td>
        <input
          aria-label={`column ${n} description`}
          value={column.description}
          onChange={(e) => set({ description: e.target.value })}
        />
      </td>
      <td>
        <button
          type="button"
          aria-label={`remove column ${n}`}
          onClick={() => update((f) => ({ ...f, columns: f.columns.filter((_, i) => i !== index) }))}
        >
          ×
        </button>
      </td>
    </tr>
  );
}

export function ColumnFields({ form, update }: { form: ProductForm; update: Update }) {
  return (
    <Section title="Columns">
      <datalist id="np-types">
        {COLUMN_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <ScrollRegion label="columns (scrolls)">
        <table aria-label="columns">
          <thead>
            <tr>
              <th>name</th>
              <th>type</th>
              <th>PII</th>
              <th>masking</th>
              <th>nullable</th>
              <th>key</th>
              <th>description</th>
              <th>
                <span className="visually-hidden">remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {form.columns.map((c, i) => (
              <ColumnRow key={i} column={c} index={i} update={update} />
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <button type="button" onClick={() => update((f) => ({ ...f, columns: [...f.columns, emptyColumn()] }))}>
        Add a column
      </button>
    </Section>
  );
}

type PromiseKey = 'freshnessTarget' | 'freshnessAlertAfter' | 'schedule' | 'availability' | 'retention' | 'allowTeams';

const PROMISE_FIELDS: ReadonlyArray<{ key: PromiseKey; label: string; hint?: string }> = [
  { key: 'freshnessTarget', label: 'Freshness target', hint: 'e.g. 1d, 6h' },
  { key: 'freshnessAlertAfter', label: 'Alert after' },
  { key: 'schedule', label: 'Schedule (cron)' },
  { key: 'availability', label: 'Availability', hint: 'e.g. 99.5%' },
  { key: 'retention', label: 'Retention', hint: 'needed when a column holds PII, e.g. 365d' },
  {
    key: 'allowTeams',
    label: 'Teams allowed to read',
    hint: 'comma-separated; everyone else asks for access (default deny)',
  },
];

export function PromiseFields({ form, update }: { form: ProductForm; update: Update }) {
  return (
    <Section title="Checks, freshness and access">
      <Field
        id="np-minrows"
        label="Fewest rows a good run has"
        type="number"
        value={String(form.minRows)}
        onChange={(v) => update((f) => ({ ...f, minRows: Math.max(0, Number(v) || 0) }))}
        hint="key columns are checked unique and not null"
      />
      {PROMISE_FIELDS.map(({ key, label, hint }) => (
        <Field
          key={key}
          id={`np-${key}`}
          label={label}
          value={form[key]}
          onChange={(v) => update((f) => ({ ...f, [key]: v }))}
          hint={hint}
        />
      ))}
    </Section>
  );
}
