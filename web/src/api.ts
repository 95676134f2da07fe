/**
 * The catalog's only way to the server: the same /v1 API the CLI speaks, with the token from
 * the browser session (never in a URL). Errors carry the server's message for the page to show.
 */
const TOKEN_KEY = 'meshwork.token';

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function saveToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** What a failed call says to the user: the server's message and hint, or that it could not be reached. */
export function refusal(e: unknown): string {
  if (e instanceof ApiError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  return `The server could not be reached: ${(e as Error).message}`;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const token = init.token ?? savedToken();
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const error = (json as { error?: { message?: string; details?: { hint?: string } } } | undefined)?.error;
    throw new ApiError(res.status, error?.message ?? `${res.status} ${res.statusText}`, error?.details?.hint);
  }
  return json as T;
}

export interface Whoami {
  readonly user: string;
  readonly role: string;
  /** The domains the caller's teams own (members). */
  readonly domains: readonly string[];
  /** The teams the caller belongs to. */
  readonly teams: readonly string[];
}

/** What a search hit shows at a glance (the API's SearchHit beside the summary). */
export interface HitGlance {
  readonly stale: string | null;
  readonly freshness: {
    readonly target: string | null;
    readonly lastGoodAt: string | null;
    readonly sla: 'met' | 'breached' | 'none';
  };
  readonly lastRun: { readonly status: string; readonly startedAt: string } | null;
  readonly rating: {
    readonly quarter: string;
    readonly nps: number;
    readonly ratings: number;
    readonly note: string | null;
  } | null;
}

export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

export interface ProductSummary {
  readonly id: string;
  readonly domain: string;
  readonly name: string;
  readonly owner: string;
  readonly oncall: string | null;
  readonly description: string | null;
  readonly latestVersion: string;
  readonly updatedAt: string;
}

export interface SearchResult {
  readonly query: string;
  readonly correctedFrom?: string;
  readonly total: number;
  readonly hits: ReadonlyArray<ProductSummary & { score: number } & HitGlance>;
  readonly facets: Record<string, FacetCount[]>;
  readonly nextCursor: string | null;
  readonly suggestions: string[];
}

export interface Column {
  readonly name: string;
  readonly type: string;
  readonly description?: string;
  readonly pii?: string;
  readonly masking?: string;
  readonly nullable?: boolean;
}

export interface ProductDetail {
  readonly product: ProductSummary;
  readonly versions: ReadonlyArray<{ version: string; major: number; status: string; publishedAt: string }>;
  readonly version: {
    readonly version: string;
    readonly status: string;
    readonly descriptor: {
      readonly metadata: { title?: string; description?: string; tags?: string[] };
      readonly spec: {
        readonly schema: { readonly columns: readonly Column[]; readonly primaryKey?: readonly string[] };
        readonly inputs: ReadonlyArray<{ name: string; product?: string; source?: { type: string } }>;
        readonly outputPorts: ReadonlyArray<{ name: string; type: string }>;
      };
    };
  };
}

export interface RunRecord {
  readonly id: string;
  readonly status: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly rowsOut: number | null;
  readonly error: string | null;
  readonly steps: ReadonlyArray<{ name: string; status: string; ms: number; rows?: number }>;
}

export interface CheckResult {
  readonly runId: string;
  readonly name: string;
  readonly type: string;
  readonly severity: 'error' | 'warn';
  readonly status: 'pass' | 'fail';
  readonly message: string;
  readonly time: string;
  readonly samplesWithheld?: string;
}

export interface AccessRequest {
  readonly id: string;
  readonly product: string;
  readonly major?: number | null;
  readonly team: string;
  readonly purpose?: string;
  readonly pii?: boolean;
  readonly expires?: string | null;
  readonly requestedBy?: string;
  readonly requestedAt?: string;
  readonly status: string;
  readonly decidedBy?: string | null;
  readonly reason: string | null;
  readonly grantId?: string | null;
}

export interface Grant {
  readonly id: string;
  readonly product: string;
  readonly major: number | null;
  readonly granteeKind: string;
  readonly grantee: string;
  readonly pii: boolean;
  readonly origin: string;
  readonly grantedAt: string;
  readonly expiresAt?: string | null;
  readonly revokedAt?: string | null;
}

export interface SlaReport {
  readonly target: string | null;
  readonly lastGoodAt: string | null;
  readonly state: 'fresh' | 'late' | 'breached' | 'never-published' | 'no-target';
  readonly availability: number | null;
  readonly objective: number | null;
  readonly openIncident: string | null;
  readonly daily: ReadonlyArray<{ readonly day: string; readonly availability: number | null }>;
}

export interface Rating {
  readonly id: string;
  readonly team: string;
  readonly quarter: string;
  readonly score: number;
  readonly comment: string | null;
  readonly ratedAt: string;
  readonly answer: string | null;
  readonly answeredBy: string | null;
}

export interface VersionChanges {
  readonly version: string;
  readonly status: string;
  readonly previous: string | null;
  readonly mode: string;
  readonly changes: ReadonlyArray<{
    category: string;
    subject: string;
    breaking: boolean;
    bump: string;
    reason: string;
  }>;
}
