/**
 * The registry's tables as Kysely sees them. Same shape on SQLite and PostgreSQL: JSON is
 * stored as text and times as ISO-8601 strings so that every query is written once.
 */
import type { Generated } from 'kysely';

export interface DomainTable {
  name: string;
  created_at: string;
  /** Migration 011: the team accountable for the domain, whether it is a deliberate central core. */
  owner_team: Generated<string | null>;
  core: Generated<number>;
  description: Generated<string | null>;
  updated_by: Generated<string | null>;
  updated_at: Generated<string | null>;
}

export interface TeamTable {
  name: string;
  email: string | null;
  created_at: string;
}

export interface ProductTable {
  id: string; // domain/name
  domain: string;
  name: string;
  owner: string;
  oncall: string | null;
  description: string | null;
  latest_version: string;
  created_at: string;
  updated_at: string;
}

export interface ProductVersionTable {
  product_id: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
  /** The descriptor as JSON, exactly as published (`${ENV}` references unresolved). */
  descriptor: string;
  source_yaml: string;
  transform_sql: string | null;
  content_hash: string;
  published_by: string;
  published_at: string;
  status: string; // active | deprecated | retired
  sunset_at: string | null;
}

/** One row per product in the search index (migration 009); PostgreSQL also keeps its tsvector here. */
export interface SearchDocumentTable {
  doc_id: Generated<number>;
  product_id: string;
  /** The words of field classes a–c, space-padded. */
  a: string;
  b: string;
  c: string;
  domain: string;
  owner: string;
  /** JSON text on SQLite, text[] on PostgreSQL. */
  tags: string | string[];
  /** PII classes and version statuses present, as bits (FACET_FLAGS). */
  flags: number;
  /** Epoch ms: the product's creation, its freshness target, its last good publication and last allowed read (the SLA and stale facets). */
  created_ms: Generated<number>;
  target_ms: number | null;
  good_ms: number | null;
  read_ms: number | null;
}

/** The facet values of each indexed product: domain, owner, lifecycle, tag, pii. */
export interface SearchFacetTable {
  facet: string;
  value: string;
  doc_id: number;
}

/** PostgreSQL: the words of the index, for typo suggestions (SQLite reads FTS5's vocabulary). */
export interface SearchWordTable {
  word: string;
}

export interface EventTable {
  id: Generated<number>;
  type: string;
  subject: string;
  data: string;
  actor: string | null;
  time: string;
}

export interface PipelineRunTable {
  id: string;
  product_id: string;
  version: string;
  trigger: string; // manual | schedule | api
  status: string; // running | succeeded | failed
  started_at: string;
  finished_at: string | null;
  snapshot_id: string | null;
  rows_out: number | null;
  /** JSON: [{ name, status, startedAt, ms, rows?, error? }] */
  steps: string;
  /** JSON: [{ name, kind, rowsIn, watermark? }] */
  inputs: string;
  error: string | null;
  actor: string | null;
  /** The cron instant of a scheduled run (ISO; migration 013), null for other runs. */
  scheduled_at: string | null;
}

export interface CheckResultTable {
  run_id: string;
  product_id: string;
  position: number;
  name: string;
  type: string;
  severity: string; // error | warn
  status: string; // pass | fail
  observed: string | null; // JSON
  threshold: string | null; // JSON
  message: string;
  samples: string | null; // JSON rows, PII masked
  time: string;
}

export interface WatermarkTable {
  product_id: string;
  major: number;
  input_name: string;
  value: string; // JSON: a string (timestamp) or a number
  run_id: string;
  updated_at: string;
}

export interface RunLockTable {
  product_id: string;
  run_id: string;
  /** JSON { host, pid }: lets a run on the same host take over a dead holder's lock at once. */
  holder: string;
  acquired_at: string;
  expires_at: string;
}

/** Per product and major, the snapshot readers get: the commit point of a publication. */
export interface CurrentSnapshotTable {
  product_id: string;
  major: number;
  snapshot_id: string;
  version: string;
  run_id: string;
  rows: number;
  published_at: string;
}

export interface SnapshotTable {
  id: string;
  product_id: string;
  version: string;
  run_id: string;
  rows: number;
  ports: string; // JSON: [{ name, type, location }]
  published_at: string;
}

export interface UserTable {
  name: string;
  created_at: string;
}

export interface TeamMemberTable {
  team: string;
  user_name: string;
  added_at: string;
}

export interface TeamDomainTable {
  team: string;
  domain: string;
}

export interface ApiTokenTable {
  id: string;
  user_name: string;
  role: string; // admin | governance | member | consumer
  /** sha256 of the secret: tokens are high-entropy, so a fast hash is enough and lookups stay indexed. */
  token_hash: string;
  label: string | null;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface IncidentTable {
  id: string;
  product_id: string;
  /** The product id while open or acknowledged, null once resolved (unique: one open incident per product). */
  open_for: string | null;
  status: string; // open | acknowledged | resolved
  kind: string; // freshness
  summary: string;
  oncall: string | null;
  opened_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

export interface WebhookTable {
  id: string;
  url: string;
  /** JSON array of event types (`product.published`, `incident.*`); empty means every type. */
  types: string;
  format: string; // cloudevents | slack
  /** JSON array of domains whose events (by subject) are sent; empty means every domain. Routes alerts to each domain's on-call channel. */
  domains: string;
  /** The last event id already turned into deliveries. */
  cursor: number;
  created_by: string;
  created_at: string;
}

export interface WebhookDeliveryTable {
  webhook_id: string;
  event_id: number;
  status: string; // pending | delivered | failed
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface MeshWorkerTable {
  id: string;
  host: string;
  pid: number;
  started_at: string;
  heartbeat_at: string;
}

export interface ScheduledRunTable {
  product_id: string;
  scheduled_at: string;
  enqueued_at: string;
}

export interface PolicySetTable {
  /** metadata.name of the set: one stored document per name. */
  name: string;
  scope: string; // global | a domain
  /** The YAML exactly as applied, so diagnostics and `mesh policy list` point into it. */
  yaml: string;
  content_hash: string;
  updated_by: string;
  updated_at: string;
}

export interface GrantTable {
  id: string;
  product_id: string;
  major: number | null;
  grantee_kind: string; // team | domain | user | everyone
  grantee: string;
  pii: number; // 0 | 1
  origin: string; // standing | request
  request_id: string | null;
  granted_by: string;
  granted_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  expiry_noted: Generated<number>;
}

export interface AccessRequestTable {
  id: string;
  product_id: string;
  major: number | null;
  team: string;
  purpose: string;
  pii: number;
  expires: string | null;
  requested_by: string;
  requested_at: string;
  status: string; // pending | approved | denied
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  grant_id: string | null;
}

export interface AccessLogTable {
  id: Generated<number>;
  time: string;
  user_name: string;
  team: string | null;
  product_id: string;
  major: number | null;
  path: string;
  allowed: number;
  reason: string;
  grant_id: string | null;
  masked_columns: string; // JSON array of column names
  rows: number | null;
  duration_ms: number | null;
}

/** A node of the lineage graph (migration 010): a product, a source, a dataset or an external job. */
export interface LineageNodeTable {
  /** product:<domain/name> | source:<product>/<input> | dataset:<namespace>/<name> | job:<namespace>/<name> */
  id: string;
  kind: string; // product | source | dataset | job
  label: string;
  namespace: string | null;
  name: string | null;
  /** 1 when only OpenLineage events from other tools name it. */
  external: number;
  freshness_target: string | null;
  last_run_id: string | null;
  last_run_status: string | null;
  last_run_at: string | null;
  last_good_at: string | null;
  failing_checks: Generated<number>;
  updated_at: string;
}

/** Data flows from `from_id` to `to_id`; `owner` wrote it (at publish, run or from an event). */
export interface LineageEdgeTable {
  from_id: string;
  to_id: string;
  owner: string;
  origin: string; // publish | run | event
  input_name: string;
  updated_at: string;
}

/** One governance check of a product and its outcome (migration 015). */
export interface GovernanceAttemptTable {
  id: string;
  product_id: string;
  domain: string;
  version: string;
  kind: 'check' | 'publish';
  outcome: 'passed' | 'refused' | 'published';
  rules: string; // JSON array
  actor: string;
  actor_teams: string; // JSON array
  at: string;
}

/** A consumer team's verdict on a product for one quarter (migration 011). */
export interface RatingTable {
  id: string;
  product_id: string;
  domain: string;
  team: string;
  quarter: string; // 2026-Q4
  score: number; // 0..10
  comment: string | null;
  rated_by: string;
  rated_at: string;
  answer: string | null;
  answered_by: string | null;
  answered_at: string | null;
}

export interface RegistryTables {
  domains: DomainTable;
  teams: TeamTable;
  products: ProductTable;
  product_versions: ProductVersionTable;
  search_documents: SearchDocumentTable;
  search_facets: SearchFacetTable;
  search_words: SearchWordTable;
  events: EventTable;
  pipeline_runs: PipelineRunTable;
  check_results: CheckResultTable;
  watermarks_by_major: WatermarkTable;
  run_locks: RunLockTable;
  snapshots: SnapshotTable;
  current_snapshots: CurrentSnapshotTable;
  users: UserTable;
  team_members: TeamMemberTable;
  team_domains: TeamDomainTable;
  api_tokens: ApiTokenTable;
  incidents: IncidentTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  mesh_workers: MeshWorkerTable;
  scheduled_runs: ScheduledRunTable;
  policy_sets: PolicySetTable;
  grants: GrantTable;
  access_requests: AccessRequestTable;
  access_log: AccessLogTable;
  lineage_nodes: LineageNodeTable;
  lineage_edges: LineageEdgeTable;
  ratings: RatingTable;
  governance_attempts: GovernanceAttemptTable;
}
