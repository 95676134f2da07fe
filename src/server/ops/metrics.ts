/**
 * A small Prometheus registry (text exposition format 0.0.4): counters and histograms with
 * labels, and gauges read at scrape time. Small enough to own; no client library is installed.
 */
type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
};
const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort());

export class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.#values.get(key) ?? this.#values.set(key, { labels, value: 0 }).get(key)!;
    entry.value += by;
  }
  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.#values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

export class Histogram {
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    const s =
      this.#series.get(key) ??
      this.#series.set(key, { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }).get(key)!;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.#series.values()) {
      this.buckets.forEach((b, i) =>
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`),
      );
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export interface GaugeSample {
  readonly labels?: Labels;
  readonly value: number;
}

export class Metrics {
  readonly requests = new Counter('mesh_http_requests_total', 'HTTP requests by method, route and status');
  readonly latency = new Histogram(
    'mesh_http_request_duration_seconds',
    'HTTP request latency',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  readonly runs = new Counter('mesh_scheduled_runs_total', 'Scheduled run attempts by outcome');
  readonly alerts = new Counter('mesh_webhook_deliveries_total', 'Webhook delivery attempts by outcome');
  readonly #gauges: Array<{ name: string; help: string; read: () => Promise<GaugeSample[]> }> = [];

  /** A gauge read from the registry at scrape time (open incidents…), so every replica reports the shared truth. */
  gauge(name: string, help: string, read: () => Promise<GaugeSample[]>): void {
    this.#gauges.push({ name, help, read });
  }

  async expose(): Promise<string> {
    const parts = [this.requests.expose(), this.latency.expose(), this.runs.expose(), this.alerts.expose()];
    for (const g of this.#gauges) {
      const samples = await g.read().catch(() => []);
      parts.push(
        [
          `# HELP ${g.name} ${g.help}`,
          `# TYPE ${g.name} gauge`,
          ...samples.map((s) => `${g.name}${labelText(s.labels ?? {})} ${s.value}`),
        ].join('\n'),
      );
    }
    return `${parts.join('\n')}\n`;
  }
}
