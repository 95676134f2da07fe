/**
 * The load generator for bench/server.bench.ts, in its own process so that it does not share
 * the server's event loop: N readers (catalog pages, product pages, searches) and optional
 * publishers, for a fixed time; prints one JSON line of results.
 */
interface LoadConfig {
  readonly url: string;
  readonly readToken: string;
  readonly publishToken: string;
  readonly seconds: number;
  readonly readers: number;
  readonly publishers: number;
  /** Pause between one publisher's publications: 5 publishers at 100 ms is up to 50 versions/s. */
  readonly publishPauseMs: number;
  readonly products: string[];
  readonly words: string[];
  readonly bundle: { file: string; yaml: string; transformSql?: string };
}

const config = JSON.parse(process.argv[2]) as LoadConfig;
const latencies: number[] = [];
const errors: string[] = [];
const published: Array<{ product: string; version: string; status: number }> = [];
const end = Date.now() + config.seconds * 1000;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

async function reader(): Promise<void> {
  const headers = { authorization: `Bearer ${config.readToken}` };
  let i = 0;
  while (Date.now() < end) {
    const r = i++ % 3;
    const path =
      r === 0
        ? `/v1/products?limit=50&offset=${50 * Math.floor(Math.random() * 200)}`
        : r === 1
          ? `/v1/search?q=${encodeURIComponent(pick(config.words))}&limit=20`
          : `/v1/products/${pick(config.products)}`;
    const started = performance.now();
    try {
      const res = await fetch(config.url + path, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) errors.push(`${res.status} ${path}`);
    } catch (error) {
      errors.push(`${(error as Error).message} ${path}`);
    }
    latencies.push(performance.now() - started);
  }
}

async function publisher(n: number): Promise<void> {
  const headers = { authorization: `Bearer ${config.publishToken}`, 'content-type': 'application/json' };
  let k = 0;
  while (Date.now() < end) {
    // Alternate: a new product, then new versions of a shared one (publishers race on the same product).
    const shared = k % 2 === 1;
    const name = shared ? 'contended' : `pub-${n}-${k}`;
    const version = shared ? `1.${n}.${k}` : '1.0.0';
    const yaml = config.bundle.yaml
      .replace(/"name": "template-product"/, `"name": "${name}"`)
      .replace(/"version": "1.0.0"/, `"version": "${version}"`);
    k++;
    try {
      const res = await fetch(`${config.url}/v1/products`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...config.bundle, yaml }),
      });
      await res.arrayBuffer();
      published.push({ product: `bench/${name}`, version, status: res.status });
      if (res.status >= 300) errors.push(`publish ${res.status}`);
    } catch (error) {
      errors.push(`publish ${(error as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, config.publishPauseMs));
  }
}

const started = performance.now();
await Promise.all([
  ...Array.from({ length: config.readers }, reader),
  ...Array.from({ length: config.publishers }, (_, i) => publisher(i)),
]);
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? 0, errors: errors.length, sampleErrors: errors.slice(0, 5), published })}\n`,
);
