/**
 * The OpenAPI 3.1 description of the HTTP API, written by hand from plain objects. A test
 * checks that every route the app serves is documented here, and the reverse.
 */
type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (schema: Json): Json => ({ type: 'array', items: schema });
const str = (extra: Json = {}): Json => ({ type: 'string', ...extra });
const nullableStr = (extra: Json = {}): Json => ({ type: ['string', 'null'], ...extra });
const obj = (properties: Record<string, Json>, required: string[] = Object.keys(properties)): Json => ({
  type: 'object',
  properties,
  required,
});

const errorResponses = (...statuses: number[]): Record<string, Json> =>
  Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/E${s}` }]));

function op(
  summary: string,
  operationId: string,
  options: {
    ok?: Json;
    okStatus?: number;
    body?: Json;
    params?: Json[];
    errors?: number[];
    publicRoute?: boolean;
    contentType?: string;
  },
): Json {
  const okStatus = String(options.okStatus ?? 200);
  return {
    summary,
    operationId,
    ...(options.publicRoute ? { security: [] } : {}),
    ...(options.params ? { parameters: options.params } : {}),
    ...(options.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: options.body } } } }
      : {}),
    responses: {
      [okStatus]: options.ok
        ? { description: 'OK', content: { [options.contentType ?? 'application/json']: { schema: options.ok } } }
        : { description: 'OK' },
      ...errorResponses(...(options.errors ?? []), ...(options.publicRoute ? [] : [401]), 500),
    },
  };
}

const pathParam = (name: string, description: string): Json => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: str(),
});
const queryParam = (name: string, description: string, schema: Json = str()): Json => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const productParams = [
  pathParam('domain', 'the owning domain'),
  pathParam('name', 'the product name, optionally @major or @x.y.z'),
];

const schemas: Record<string, Json> = {
  QueryRequest: obj(
    {
      sql: str({ description: 'exactly one SELECT (or WITH … SELECT), at most 100,000 characters' }),
      limit: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'rows returned (default 10,000)' },
      timeoutMs: { type: 'number', exclusiveMinimum: 0, maximum: 300_000, description: 'default 30,000' },
      file: str({ description: 'where the SQL comes from, for file:line:col in refusals' }),
      as: str({ description: 'read with the grants of this team of yours only' }),
      format: str({ enum: ['ndjson', 'csv'] }),
    },
    ['sql'],
  ),
  QueryExplanation: obj({
    tables: arrayOf(
      obj({
        as: str({ description: 'the name the query used' }),
        product: str(),
        major: { type: 'integer' },
        snapshotId: str(),
        maskedColumns: arrayOf(str()),
      }),
    ),
  }),
  Error: obj({
    error: obj(
      {
        kind: str({
          enum: [
            'input',
            'not-found',
            'conflict',
            'not-allowed',
            'unauthenticated',
            'too-large',
            'unavailable',
            'internal',
          ],
        }),
        message: str(),
        details: {},
      },
      ['kind', 'message'],
    ),
  }),
  Diagnostic: obj(
    {
      code: str(),
      severity: str({ enum: ['error', 'warn', 'info'] }),
      message: str(),
      location: obj({ file: str(), line: { type: 'integer' }, col: { type: 'integer' } }),
      path: str(),
      hint: str(),
      source: str(),
    },
    ['code', 'severity', 'message'],
  ),
  DescriptorBundle: obj(
    {
      file: str({ description: 'the path shown in diagnostics' }),
      yaml: str({ description: 'product.yaml as text' }),
      transformSql: str({ description: 'the transform SQL the descriptor refers to' }),
    },
    ['yaml'],
  ),
  CheckResult: obj(
    { file: str(), product: obj({ id: str(), version: str() }), diagnostics: arrayOf(ref('Diagnostic')) },
    ['file', 'diagnostics'],
  ),
  DescribeSourceRequest: obj({
    domain: str({ description: "the product's domain: its environment grants (MESH_ENV_GRANTS) apply" }),
    type: str({ enum: ['postgres', 'mysql'] }),
    connectionEnv: str({
      description: "the name of the server's environment variable holding the connection string, never the string",
    }),
    query: str({ description: 'the SELECT the source runs (:last_run is bound to NULL)' }),
  }),
  ColumnProposal: obj({
    columns: arrayOf(
      obj(
        {
          name: str({ description: 'a descriptor identifier' }),
          sourceName: str({ description: 'the name the source gives the column' }),
          type: str({ description: 'a Meshwork column type' }),
          nullable: { type: 'boolean', description: 'absent when the database does not say' },
          pii: str({ enum: ['none', 'indirect', 'direct', 'sensitive'], description: 'proposed from the name' }),
          piiReason: str(),
        },
        ['name', 'sourceName', 'type', 'pii'],
      ),
    ),
    notes: arrayOf(str()),
  }),
  PublishOutcome: obj({
    status: str({ enum: ['created', 'unchanged'] }),
    product: str(),
    version: str(),
    contentHash: str(),
    publishedAt: str({ format: 'date-time' }),
    diagnostics: arrayOf(ref('Diagnostic')),
  }),
  ProductSummary: obj({
    id: str(),
    domain: str(),
    name: str(),
    owner: str(),
    oncall: nullableStr(),
    description: nullableStr(),
    latestVersion: str(),
    updatedAt: str({ format: 'date-time' }),
  }),
  SearchHit: {
    allOf: [
      ref('ProductSummary'),
      obj(
        {
          score: { type: 'number' },
          stale: nullableStr({ description: 'why the product is stale now, or null' }),
          freshness: obj(
            {
              target: nullableStr(),
              lastGoodAt: nullableStr(),
              sla: { type: 'string', enum: ['met', 'breached', 'none'] },
            },
            ['target', 'lastGoodAt', 'sla'],
          ),
          lastRun: { oneOf: [obj({ status: str(), startedAt: str() }), { type: 'null' }] },
          rating: {
            oneOf: [
              obj({ quarter: str(), nps: { type: 'number' }, ratings: { type: 'integer' }, note: nullableStr() }, [
                'quarter',
                'nps',
                'ratings',
              ]),
              { type: 'null' },
            ],
          },
        },
        ['score', 'stale', 'freshness', 'lastRun', 'rating'],
      ),
    ],
  },
  FacetCount: obj({ value: str(), count: { type: 'integer' } }),
  VersionChanges: obj({
    version: str(),
    status: str(),
    previous: nullableStr(),
    mode: str({ enum: ['backward', 'backward_transitive', 'forward', 'full', 'none'] }),
    changes: arrayOf(
      obj({
        category: str(),
        subject: str(),
        breaking: { type: 'boolean' },
        bump: str({ enum: ['major', 'minor', 'patch'] }),
        reason: str(),
      }),
    ),
  }),
  SearchResult: obj({
    query: str(),
    correctedFrom: str(),
    total: { type: 'integer' },
    hits: arrayOf(ref('SearchHit')),
    facets: obj({
      domain: arrayOf(ref('FacetCount')),
      tag: arrayOf(ref('FacetCount')),
      owner: arrayOf(ref('FacetCount')),
      pii: arrayOf(ref('FacetCount')),
      lifecycle: arrayOf(ref('FacetCount')),
      sla: arrayOf(ref('FacetCount')),
      stale: arrayOf(ref('FacetCount')),
    }),
    nextCursor: nullableStr(),
    suggestions: arrayOf(str()),
  }),
  VersionRecord: obj({
    product: str(),
    version: str(),
    major: { type: 'integer' },
    contentHash: str(),
    publishedBy: str(),
    publishedAt: str(),
    status: str(),
    sunsetAt: nullableStr(),
  }),
  ProductDetail: obj({
    product: ref('ProductSummary'),
    versions: arrayOf(ref('VersionRecord')),
    version: {
      allOf: [
        ref('VersionRecord'),
        obj({
          descriptor: { type: 'object', description: 'the DataProduct descriptor (schemas/data-product.v1.json)' },
          sourceYaml: str(),
          transformSql: nullableStr(),
        }),
      ],
    },
  }),
  CloudEvent: obj(
    {
      specversion: str({ const: '1.0' }),
      id: str(),
      source: str(),
      type: str({ examples: ['dev.meshwork.product.published'] }),
      subject: str(),
      time: str({ format: 'date-time' }),
      datacontenttype: str(),
      data: {},
      actor: str(),
    },
    ['specversion', 'id', 'source', 'type', 'time'],
  ),
  Principal: obj({ user: str(), role: ref('Role'), domains: arrayOf(str()), teams: arrayOf(str()), tokenId: str() }, [
    'user',
    'role',
    'domains',
  ]),
  Role: str({ enum: ['admin', 'governance', 'member', 'consumer'] }),
  Team: obj({ name: str(), domains: arrayOf(str()), members: arrayOf(str()) }),
  Token: obj({
    id: str(),
    user: str(),
    role: ref('Role'),
    label: nullableStr(),
    createdBy: str(),
    createdAt: str(),
    expiresAt: nullableStr(),
    revokedAt: nullableStr(),
  }),
  CreatedToken: {
    allOf: [ref('Token'), obj({ token: str({ description: 'the secret: shown once, stored hashed' }) })],
  },
  Incident: obj({
    id: str(),
    product: str(),
    status: str({ enum: ['open', 'acknowledged', 'resolved'] }),
    kind: str(),
    summary: str(),
    oncall: nullableStr(),
    openedAt: str(),
    acknowledgedAt: nullableStr(),
    acknowledgedBy: nullableStr(),
    resolvedAt: nullableStr(),
    resolvedBy: nullableStr(),
  }),
  SlaReport: obj({
    product: str(),
    now: str(),
    target: nullableStr(),
    alertAfter: nullableStr(),
    lastGoodAt: nullableStr(),
    ageMs: { type: ['number', 'null'] },
    state: str({ enum: ['fresh', 'late', 'breached', 'never-published', 'no-target'] }),
    availability: { type: ['number', 'null'] },
    objective: { type: ['number', 'null'] },
    windowStart: str(),
    windowMs: { type: 'number' },
    openIncident: nullableStr(),
    daily: arrayOf(obj({ day: str(), availability: { type: ['number', 'null'] } })),
  }),
  RunStep: obj(
    {
      name: str(),
      status: str({ enum: ['succeeded', 'failed', 'skipped'] }),
      startedAt: str(),
      ms: { type: 'number' },
      rows: { type: 'integer' },
      error: str(),
    },
    ['name', 'status', 'startedAt', 'ms'],
  ),
  RunInput: obj(
    {
      name: str(),
      kind: str({ enum: ['postgres', 'mysql', 'file', 'product'] }),
      rowsIn: { type: 'integer' },
      watermark: { type: ['string', 'number', 'null'] },
      snapshotId: str(),
    },
    ['name', 'kind', 'rowsIn'],
  ),
  CheckResultRecord: obj(
    {
      runId: str(),
      product: str(),
      position: { type: 'integer' },
      name: str(),
      type: str(),
      severity: str({ enum: ['error', 'warn'] }),
      status: str({ enum: ['pass', 'fail'] }),
      observed: {},
      threshold: {},
      message: str(),
      samples: {
        type: ['array', 'null'],
        items: { type: 'object' },
        description: 'up to 10 failing rows, PII masked; only for readers who may read the product',
      },
      samplesWithheld: str({ description: 'why there are no samples to see, and the command that requests access' }),
      time: str(),
    },
    ['runId', 'product', 'name', 'type', 'severity', 'status', 'message'],
  ),
  Grant: obj(
    {
      id: str(),
      product: str(),
      major: { type: ['integer', 'null'], description: 'null: every major' },
      granteeKind: str({ enum: ['team', 'domain', 'user', 'everyone'] }),
      grantee: str(),
      pii: { type: 'boolean', description: 'direct and sensitive columns in clear' },
      origin: str({ enum: ['standing', 'request'] }),
      requestId: nullableStr(),
      grantedBy: str(),
      grantedAt: str(),
      expiresAt: nullableStr(),
      revokedAt: nullableStr(),
      revokedBy: nullableStr(),
    },
    ['id', 'product', 'major', 'granteeKind', 'grantee', 'pii', 'origin', 'grantedAt'],
  ),
  AccessRequest: obj(
    {
      id: str(),
      product: str(),
      major: { type: ['integer', 'null'] },
      team: str(),
      purpose: str(),
      pii: { type: 'boolean' },
      expires: nullableStr({ description: 'grant lifetime once approved, e.g. 90d' }),
      requestedBy: str(),
      requestedAt: str(),
      status: str({ enum: ['pending', 'approved', 'denied'] }),
      decidedBy: nullableStr(),
      decidedAt: nullableStr(),
      reason: nullableStr(),
      grantId: nullableStr(),
    },
    ['id', 'product', 'team', 'status', 'requestedBy', 'requestedAt'],
  ),
  AccessDecision: obj({ request: ref('AccessRequest'), grant: { oneOf: [ref('Grant'), { type: 'null' }] } }),
  AccessLogEntry: obj(
    {
      id: { type: 'integer' },
      time: str(),
      user: str(),
      team: nullableStr(),
      product: str(),
      major: { type: ['integer', 'null'] },
      path: str({ description: 'download, checks, …' }),
      allowed: { type: 'boolean' },
      reason: str(),
      grantId: nullableStr(),
      maskedColumns: arrayOf(str()),
      rows: { type: ['integer', 'null'] },
      durationMs: { type: ['number', 'null'] },
    },
    ['id', 'time', 'user', 'product', 'path', 'allowed', 'reason', 'maskedColumns'],
  ),
  RunRecord: obj(
    {
      id: str(),
      product: str(),
      version: str(),
      trigger: str(),
      status: str({ enum: ['running', 'succeeded', 'failed', 'abandoned'] }),
      startedAt: str(),
      finishedAt: nullableStr(),
      snapshotId: nullableStr(),
      rowsOut: { type: ['integer', 'null'] },
      steps: arrayOf(ref('RunStep')),
      inputs: arrayOf(ref('RunInput')),
      error: nullableStr(),
      actor: nullableStr(),
      scheduledAt: str({ description: 'the cron instant a scheduled run covered (each runs once)' }),
    },
    ['id', 'product', 'status', 'startedAt'],
  ),
  RunOutcome: obj(
    {
      runId: str(),
      product: str(),
      version: str(),
      trigger: str(),
      dryRun: { type: 'boolean' },
      status: str({ enum: ['succeeded', 'failed'] }),
      startedAt: str(),
      finishedAt: str(),
      snapshotId: nullableStr(),
      rowsOut: { type: ['integer', 'null'] },
      steps: arrayOf(ref('RunStep')),
      inputs: arrayOf(ref('RunInput')),
      checks: arrayOf(ref('CheckResultRecord')),
      ports: arrayOf(obj({ name: str(), type: str(), location: str() })),
      error: nullableStr(),
    },
    ['runId', 'product', 'status', 'steps', 'checks'],
  ),
  Webhook: obj({
    id: str(),
    url: str({ format: 'uri' }),
    types: arrayOf(str()),
    format: str({ enum: ['cloudevents', 'slack'] }),
    domains: arrayOf(str()),
    createdBy: str(),
    createdAt: str(),
  }),
  PolicyRule: obj({
    id: str(),
    kind: str({ enum: ['built-in', 'cel'] }),
    severity: str({ enum: ['error', 'warn', 'info'] }),
    effectiveSeverity: str({ description: 'today: an error before its enforceFrom date only warns' }),
    enforceFrom: nullableStr(),
    params: { type: 'object' },
    selector: { type: ['object', 'null'] },
    expression: nullableStr(),
    message: str(),
    rationale: nullableStr(),
    source: str(),
    sourceFile: nullableStr(),
    scope: str(),
    configuredBy: arrayOf(str()),
  }),
  PolicySetInfo: obj({
    name: str(),
    scope: str(),
    owner: str(),
    origin: str({ enum: ['file', 'registry'] }),
    file: str(),
    rules: { type: 'integer' },
    updatedBy: nullableStr(),
    updatedAt: nullableStr(),
  }),
  PolicyListing: obj({
    scope: str({ description: 'global, a domain or a product id' }),
    policyFolder: nullableStr(),
    sets: arrayOf(ref('PolicySetInfo')),
    rules: arrayOf(ref('PolicyRule')),
    diagnostics: arrayOf(ref('Diagnostic')),
  }),
  PolicySetDocument: obj(
    {
      file: str({ description: 'the file name shown in diagnostics' }),
      yaml: str({ description: 'the PolicySet document as YAML text (schemas/policy-set.v1.json)' }),
    },
    ['yaml'],
  ),
  AppliedPolicySet: obj({
    status: str({ enum: ['created', 'updated', 'unchanged'] }),
    name: str(),
    scope: str(),
    rules: { type: 'integer' },
    contentHash: str(),
    updatedBy: str(),
    updatedAt: str(),
    diagnostics: arrayOf(ref('Diagnostic')),
  }),
  RemovedPolicySet: obj({ name: str(), scope: str(), removed: { type: 'boolean', const: true } }),
  DiffResult: obj(
    {
      ok: { type: 'boolean' },
      product: str(),
      version: str(),
      published: { type: 'boolean' },
      against: nullableStr(),
      mode: nullableStr(),
      changes: arrayOf(
        obj(
          {
            category: str(),
            subject: str(),
            breaking: { type: 'boolean' },
            bump: str({ enum: ['major', 'minor', 'patch'] }),
            reason: str(),
            location: obj({ file: str(), line: { type: 'integer' }, col: { type: 'integer' } }),
          },
          ['category', 'subject', 'breaking', 'bump', 'reason'],
        ),
      ),
      required: str({ enum: ['major', 'minor', 'patch', 'none'] }),
      suggested: nullableStr(),
      newMajor: { type: 'boolean' },
      diagnostics: arrayOf(ref('Diagnostic')),
      impact: obj({
        breaks: str(),
        consumers: arrayOf(obj({ product: str(), owner: str(), oncall: nullableStr() })),
        teams: arrayOf(obj({ team: str(), pii: { type: 'boolean' } })),
      }),
    },
    [
      'ok',
      'product',
      'version',
      'published',
      'against',
      'mode',
      'changes',
      'required',
      'suggested',
      'newMajor',
      'diagnostics',
    ],
  ),
  LineageNode: obj(
    {
      id: str(),
      kind: str({ enum: ['product', 'source', 'dataset', 'job', 'team'] }),
      label: str(),
      depth: { type: 'integer' },
      side: str({ enum: ['root', 'upstream', 'downstream'] }),
      external: { type: 'boolean' },
      product: str(),
      version: str(),
      owner: str(),
      oncall: nullableStr(),
      namespace: str(),
      name: str(),
      status: obj({
        lastRun: { oneOf: [obj({ id: str(), status: str(), at: str() }), { type: 'null' }] },
        freshness: str({ enum: ['fresh', 'late', 'never-run', 'no-target'] }),
        lastGoodAt: nullableStr(),
        failingChecks: { type: 'integer' },
      }),
    },
    ['id', 'kind', 'label', 'depth', 'side', 'external'],
  ),
  LineageEdge: obj({ from: str(), to: str(), kind: str({ enum: ['reads', 'grant'] }), origin: str(), input: str() }, [
    'from',
    'to',
    'kind',
    'origin',
  ]),
  LineageGraph: obj(
    {
      root: str(),
      direction: str({ enum: ['upstream', 'downstream', 'both'] }),
      depth: { type: 'integer' },
      nodes: arrayOf(ref('LineageNode')),
      edges: arrayOf(ref('LineageEdge')),
      cycles: arrayOf(arrayOf(str())),
      total: { type: 'integer' },
      nextCursor: nullableStr(),
      truncated: { type: 'boolean' },
      columns: { type: 'object', additionalProperties: true },
    },
    ['root', 'direction', 'depth', 'nodes', 'edges', 'cycles', 'total', 'nextCursor', 'truncated'],
  ),
  RetiredVersions: obj({ retired: arrayOf(obj({ product: str(), version: str(), sunsetAt: str() })) }),
  Delivery: obj({
    webhookId: str(),
    eventId: { type: 'integer' },
    status: str({ enum: ['pending', 'delivered', 'failed'] }),
    attempts: { type: 'integer' },
    lastError: nullableStr(),
    nextAttemptAt: str(),
    finishedAt: nullableStr(),
  }),
};

const errorDescriptions: Record<number, string> = {
  400: 'invalid request (bad JSON, bad parameter, descriptor with errors)',
  401: 'missing, invalid, expired or revoked token',
  403: 'the caller’s role or domains do not allow this',
  404: 'not found',
  409: 'conflict with the current state',
  413: 'request body too large',
  500: 'internal error',
  503: 'a dependency (the registry) is unavailable; retry',
};

const searchParams = [
  queryParam('q', 'words (the last one a prefix) and "quoted phrases"; empty: every product'),
  queryParam('domain', 'only these domains (repeat for any of several)'),
  queryParam('tag', 'only products with one of these tags'),
  queryParam('owner', 'only these owner teams'),
  queryParam('pii', 'only products with a column of one of these PII classes'),
  queryParam('lifecycle', 'active | deprecated | retired: products with a version in that state'),
  queryParam('sla', 'met | breached | none: products whose freshness target is met or breached now, or that have none'),
  queryParam(
    'stale',
    'yes | no: products with no good publication within twice their freshness target or no read for 90 days',
  ),
  queryParam('limit', 'at most this many hits (1-200, default 20)', { type: 'integer' }),
  queryParam('cursor', 'nextCursor of the previous page'),
  queryParam('typos', 'false: no typo correction when nothing matches'),
];

/** Mesh health: ratings, NPS, domains, and the health figures and diagnosis (issue 17). */
const healthSchemas: Record<string, Json> = {
  Rating: obj({
    id: str(),
    product: str(),
    domain: str(),
    team: str(),
    quarter: str({ pattern: '^\\d{4}-Q[1-4]$' }),
    score: { type: 'integer', minimum: 0, maximum: 10 },
    comment: nullableStr(),
    ratedBy: str(),
    ratedAt: str(),
    answer: nullableStr(),
    answeredBy: nullableStr(),
    answeredAt: nullableStr(),
  }),
  SavedRating: obj({ rating: ref('Rating'), replaced: { type: 'boolean' }, notified: { type: 'boolean' } }),
  NpsFigure: obj({
    scope: str(),
    quarter: str(),
    ratings: { type: 'integer' },
    promoters: { type: 'integer' },
    passives: { type: 'integer' },
    detractors: { type: 'integer' },
    nps: { type: ['number', 'null'] },
    fewRatings: { type: 'boolean' },
    note: nullableStr(),
  }),
  NpsReport: obj({
    quarter: str(),
    mesh: ref('NpsFigure'),
    domains: arrayOf(ref('NpsFigure')),
    products: arrayOf(ref('NpsFigure')),
    trend: arrayOf(ref('NpsFigure')),
  }),
  GovernanceRefusal: obj({
    product: str(),
    domain: str(),
    version: str(),
    kind: str({ enum: ['check', 'publish'] }),
    rules: arrayOf(str()),
    actor: str(),
    at: str(),
  }),
  Domain: obj({
    name: str(),
    ownerTeam: nullableStr(),
    core: { type: 'boolean' },
    description: nullableStr(),
    teams: arrayOf(str()),
    members: arrayOf(str()),
    products: { type: 'integer' },
    createdAt: str(),
    updatedBy: nullableStr(),
    updatedAt: nullableStr(),
  }),
  HealthFigures: {
    type: 'object',
    description:
      'the figures of a domain or the mesh at one moment (see HealthFigures in src/server/health/health-records.ts)',
  },
  DomainScorecard: obj({
    domain: str(),
    ownerTeam: nullableStr(),
    core: { type: 'boolean' },
    members: arrayOf(str()),
    figures: ref('HealthFigures'),
    trend: arrayOf(ref('HealthFigures')),
    npsTrend: arrayOf(ref('NpsFigure')),
    products: arrayOf({ type: 'object' }),
  }),
  HealthFinding: obj({
    pattern: str(),
    severity: str({ enum: ['warn', 'error'] }),
    summary: str(),
    evidence: obj({ products: arrayOf(str()), domains: arrayOf(str()), numbers: { type: 'object' } }),
    remedy: str(),
  }),
  MeshHealth: obj({
    now: str(),
    thresholds: { type: 'object' },
    mesh: ref('HealthFigures'),
    trend: arrayOf(ref('HealthFigures')),
    domains: arrayOf(ref('DomainScorecard')),
    stale: arrayOf(obj({ product: str(), reason: str() })),
    diagnosis: arrayOf(ref('HealthFinding')),
    notMeasured: arrayOf(str()),
  }),
};

const healthQuery = [
  queryParam('now', 'judge the history as of this ISO time'),
  queryParam('weeks', 'weekly points back (0-104, default 26)', { type: 'integer' }),
  queryParam('thresholds', 'overrides of the diagnosis thresholds, a JSON object ({"relabelingShare":0.6})'),
];

function healthPaths(): Record<string, Json> {
  const asTeam = { as: str({ description: 'act as this team of yours only' }) };
  return {
    '/v1/products/{domain}/{name}/ratings': {
      post: op(
        'rate a product for a consumer team of yours, 0-10, once a quarter (200 when it replaced the quarter’s rating); below 7 notifies the owners',
        'rateProduct',
        {
          params: productParams,
          body: obj({ team: str(), score: { type: 'integer', minimum: 0, maximum: 10 }, comment: str(), ...asTeam }, [
            'team',
            'score',
          ]),
          ok: ref('SavedRating'),
          okStatus: 201,
          errors: [400, 403, 404],
        },
      ),
      get: op('the ratings of a product, newest first', 'listProductRatings', {
        params: [...productParams, queryParam('team', 'a team'), queryParam('quarter', 'e.g. 2026-Q4')],
        ok: arrayOf(ref('Rating')),
        errors: [400],
      }),
    },
    '/v1/ratings': {
      get: op('ratings of every product, newest first', 'listRatings', {
        params: [queryParam('domain', 'a domain'), queryParam('team', 'a team'), queryParam('quarter', 'e.g. 2026-Q4')],
        ok: arrayOf(ref('Rating')),
        errors: [400],
      }),
    },
    '/v1/ratings/{id}/answer': {
      post: op('the owners’ answer to a rating (admins, members of the owning domain)', 'answerRating', {
        params: [pathParam('id', 'rating id')],
        body: obj({ answer: str(), ...asTeam }, ['answer']),
        ok: ref('Rating'),
        errors: [400, 403, 404],
      }),
    },
    '/v1/nps': {
      get: op('NPS of a quarter per product, per domain and for the mesh, with the trend', 'nps', {
        params: [
          queryParam('product', 'domain/name'),
          queryParam('domain', 'a domain'),
          queryParam('quarter', 'e.g. 2026-Q4'),
        ],
        ok: ref('NpsReport'),
        errors: [400],
      }),
    },
    '/v1/domains': {
      get: op('every domain with its owning team, teams, members and core flag', 'listDomains', {
        ok: arrayOf(ref('Domain')),
      }),
    },
    '/v1/domains/{name}': {
      get: op('one domain', 'showDomain', { params: [pathParam('name', 'domain')], ok: ref('Domain'), errors: [404] }),
      put: op('set a domain’s owning team, core flag or description (admin)', 'setDomain', {
        params: [pathParam('name', 'domain')],
        body: obj({ ownerTeam: str(), core: { type: 'boolean' }, description: str() }, []),
        ok: ref('Domain'),
        errors: [400, 403, 404],
      }),
    },
    '/v1/health/mesh': {
      get: op('mesh health: figures, weekly trend, scorecards, stale products and the diagnosis', 'meshHealth', {
        params: [...healthQuery, queryParam('domain', 'only this domain’s scorecard')],
        ok: ref('MeshHealth'),
        errors: [400, 404],
      }),
    },
    '/v1/health/domains/{domain}': {
      get: op('a domain’s scorecard', 'domainScorecard', {
        params: [pathParam('domain', 'domain'), ...healthQuery],
        ok: ref('DomainScorecard'),
        errors: [400, 404],
      }),
    },
  };
}

export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Meshwork API',
      version: '1.0.0',
      description:
        'The Meshwork platform server: everything the `mesh` CLI does, over HTTP. Authenticate with `Authorization: Bearer <token>`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: {
      '/healthz': { get: op('liveness', 'healthz', { ok: obj({ status: str() }), publicRoute: true }) },
      '/readyz': {
        get: op('readiness: the registry is reachable', 'readyz', {
          ok: obj({ status: str() }),
          publicRoute: true,
          errors: [503],
        }),
      },
      '/metrics': {
        get: op('Prometheus metrics', 'metrics', { ok: str(), contentType: 'text/plain', publicRoute: true }),
      },
      '/openapi.json': { get: op('this document', 'openapi', { ok: { type: 'object' }, publicRoute: true }) },
      '/v1/check': {
        post: op('validate a descriptor bundle and run governance, without publishing', 'checkBundle', {
          params: [queryParam('draft', 'true: a draft being written, not recorded as a governance attempt')],
          body: ref('DescriptorBundle'),
          ok: ref('CheckResult'),
          errors: [400, 413],
        }),
      },
      '/v1/products': {
        get: op('list products', 'listProducts', {
          ok: arrayOf(ref('ProductSummary')),
          params: [
            queryParam('domain', 'only this domain'),
            queryParam('limit', 'page size', { type: 'integer' }),
            queryParam('offset', 'page start', { type: 'integer' }),
          ],
          errors: [400],
        }),
        post: {
          ...op(
            'publish a descriptor bundle as a new immutable version (200 when identical content is already published)',
            'publishProduct',
            {
              body: ref('DescriptorBundle'),
              ok: ref('PublishOutcome'),
              okStatus: 201,
              errors: [400, 403, 409, 413, 503],
            },
          ),
        },
      },
      '/v1/catalog/search': {
        get: op('ranked, faceted catalog search with typo tolerance and cursor paging', 'searchCatalog', {
          ok: ref('SearchResult'),
          params: searchParams,
          errors: [400],
        }),
      },
      '/v1/search': {
        get: op('the hits of /v1/catalog/search (the first API)', 'searchProducts', {
          ok: arrayOf(ref('SearchHit')),
          params: searchParams,
          errors: [400],
        }),
      },
      '/v1/products/{domain}/{name}': {
        get: op('one product with its versions', 'showProduct', {
          ok: ref('ProductDetail'),
          params: productParams,
          errors: [400, 404],
        }),
      },
      '/v1/products/{domain}/{name}/odcs': {
        get: op('the product (latest, or name@version) as an ODCS v3.1.0 data contract', 'exportOdcs', {
          ok: { type: 'object', description: 'valid against the official ODCS v3.1.0 JSON Schema' },
          params: productParams,
          errors: [400, 404],
        }),
      },
      '/v1/products/{domain}/{name}/changes': {
        get: op(
          'every published version, newest first, with its changes classified against the version before it',
          'versionChanges',
          { ok: arrayOf(ref('VersionChanges')), params: productParams, errors: [400, 404] },
        ),
      },
      '/v1/products/{domain}/{name}/odps': {
        get: op('the product (latest, or name@version) as an ODPS v1.0.0 data product', 'exportOdps', {
          ok: { type: 'object', description: 'valid against the official ODPS v1.0.0 JSON Schema' },
          params: productParams,
          errors: [400, 404],
        }),
      },
      '/v1/products/{domain}/{name}/runs': {
        post: op(
          'run the pipeline of the latest published version (admin, or member of its domain); a failed run answers 200 with status failed',
          'runProduct',
          { params: productParams, okStatus: 201, ok: ref('RunOutcome'), errors: [400, 403, 404, 409] },
        ),
        get: op('run history, newest first', 'listRuns', {
          params: [...productParams, queryParam('limit', 'at most this many', { type: 'integer' })],
          ok: arrayOf(ref('RunRecord')),
          errors: [400, 404],
        }),
      },
      '/v1/products/{domain}/{name}/checks': {
        get: op('quality check results of recent runs, newest first', 'listCheckResults', {
          params: [
            ...productParams,
            queryParam('runs', 'of this many recent runs', { type: 'integer' }),
            queryParam('as', 'read with the grants of this team of yours only'),
          ],
          ok: arrayOf(ref('CheckResultRecord')),
          errors: [400, 404],
        }),
      },
      '/v1/dry-runs': {
        post: op(
          'run an unpublished bundle end to end, publishing and recording nothing (no file inputs on the server)',
          'dryRun',
          { body: ref('DescriptorBundle'), ok: ref('RunOutcome'), errors: [400, 403, 413] },
        ),
      },
      '/v1/sources/describe': {
        post: op(
          "a database source's result columns as proposed descriptor columns, read without a row in a READ ONLY transaction (members, in their domains)",
          'describeSource',
          { body: ref('DescribeSourceRequest'), ok: ref('ColumnProposal'), errors: [400, 403, 413, 503] },
        ),
      },
      '/v1/products/{domain}/{name}/sla': {
        get: op('freshness and 30-day availability', 'productSla', {
          ok: ref('SlaReport'),
          params: productParams,
          errors: [400, 404],
        }),
      },
      '/v1/events': {
        get: op('the event log as a CloudEvents JSON batch', 'listEvents', {
          ok: arrayOf(ref('CloudEvent')),
          contentType: 'application/cloudevents-batch+json',
          params: [
            queryParam('after', 'only events after this id', { type: 'integer' }),
            queryParam('subject', 'only this product'),
            queryParam('limit', 'at most this many', { type: 'integer' }),
          ],
          errors: [400],
        }),
      },
      '/v1/lineage': {
        get: op("the lineage graph around a product, with each product's status, paged", 'lineage', {
          ok: ref('LineageGraph'),
          params: [
            { ...queryParam('product', 'domain/name'), required: true },
            queryParam('direction', 'upstream, downstream or both (default)'),
            queryParam('depth', 'hops, 1–10 (default 3)', { type: 'integer' }),
            queryParam('columns', 'true: column lineage of each product on the page'),
            queryParam('limit', 'nodes per page, 1–1000 (default 200)', { type: 'integer' }),
            queryParam('cursor', "the previous page's nextCursor"),
          ],
          errors: [400, 404],
        }),
      },
      '/v1/lineage/events': {
        post: op(
          'OpenLineage RunEvents from other tools (one, or an array of up to 1,000), into the lineage graph',
          'ingestLineageEvents',
          {
            okStatus: 201,
            ok: obj({ accepted: { type: 'integer' } }),
            body: {
              description:
                'an OpenLineage RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent) or an array of them',
            },
            errors: [400, 403, 413],
          },
        ),
      },
      '/v1/governance/refusals': {
        get: op(
          'product versions whose latest governance check or publication was refused, with the rules, newest first',
          'listGovernanceRefusals',
          {
            ok: arrayOf(ref('GovernanceRefusal')),
            params: [queryParam('domain', "only this domain's products")],
            errors: [400],
          },
        ),
      },
      '/v1/policies': {
        get: op(
          "the rules in force (global, a domain's, or one product's) and the policy sets they come from",
          'listPolicies',
          {
            ok: ref('PolicyListing'),
            params: [
              queryParam('product', "domain/name: its domain's rules whose selector matches it"),
              queryParam('domain', "global rules plus the domain's own"),
            ],
            errors: [400],
          },
        ),
      },
      '/v1/policy-sets/{name}': {
        put: op(
          'store a policy set in the registry, in force from the next check (admin, governance); a set with errors is refused with its diagnostics (200 when it replaced or equals the stored one)',
          'applyPolicySet',
          {
            params: [pathParam('name', "the set's metadata.name")],
            body: ref('PolicySetDocument'),
            ok: ref('AppliedPolicySet'),
            okStatus: 201,
            errors: [400, 403, 413],
          },
        ),
        delete: op('remove a stored policy set (admin, governance)', 'removePolicySet', {
          params: [pathParam('name', "the set's metadata.name")],
          ok: ref('RemovedPolicySet'),
          errors: [403, 404],
        }),
      },
      '/v1/diff': {
        post: op(
          'classify the changes of a bundle against its published versions and the version bump they need',
          'diffBundle',
          {
            body: {
              allOf: [
                ref('DescriptorBundle'),
                obj({ against: str({ description: 'compare with this published version' }) }, []),
              ],
            },
            ok: ref('DiffResult'),
            errors: [400, 413],
          },
        ),
      },
      '/v1/versions/retire-expired': {
        post: op(
          'retire every deprecated version whose sunset has passed (admin, governance)',
          'retireExpiredVersions',
          {
            body: obj({ now: str({ format: 'date-time', description: 'act as of this time (default: now)' }) }, []),
            ok: ref('RetiredVersions'),
            errors: [400, 403],
          },
        ),
      },
      '/v1/whoami': { get: op('the caller', 'whoami', { ok: ref('Principal') }) },
      '/v1/teams': {
        get: op('teams with their domains and members', 'listTeams', { ok: arrayOf(ref('Team')) }),
        post: op('create a team for domains (admin)', 'createTeam', {
          body: obj({ name: str(), domains: arrayOf(str()) }, ['name']),
          ok: ref('Team'),
          okStatus: 201,
          errors: [400, 403],
        }),
      },
      '/v1/teams/{team}/members': {
        post: op('add a user to a team (admin)', 'addTeamMember', {
          params: [pathParam('team', 'team name')],
          body: obj({ user: str() }),
          ok: ref('Team'),
          errors: [400, 403, 404],
        }),
      },
      '/v1/tokens': {
        get: op('API tokens, without secrets (admin)', 'listTokens', { ok: arrayOf(ref('Token')), errors: [403] }),
        post: op('create a token; the secret is in this response only (admin)', 'createToken', {
          body: obj({ user: str(), role: ref('Role'), expiresAt: str({ format: 'date-time' }), label: str() }, [
            'user',
            'role',
          ]),
          ok: ref('CreatedToken'),
          okStatus: 201,
          errors: [400, 403],
        }),
      },
      '/v1/tokens/{id}': {
        delete: op('revoke a token (admin)', 'revokeToken', {
          params: [pathParam('id', 'token id')],
          ok: ref('Token'),
          errors: [403, 404],
        }),
      },
      '/v1/incidents': {
        get: op('incidents, newest first', 'listIncidents', {
          ok: arrayOf(ref('Incident')),
          params: [queryParam('status', 'open, acknowledged or resolved'), queryParam('product', 'domain/name')],
          errors: [400],
        }),
      },
      '/v1/incidents/{id}': {
        get: op('one incident', 'getIncident', {
          params: [pathParam('id', 'incident id')],
          ok: ref('Incident'),
          errors: [404],
        }),
      },
      '/v1/incidents/{id}/ack': {
        post: op('acknowledge an incident (admin, or member of its domain)', 'acknowledgeIncident', {
          params: [pathParam('id', 'incident id')],
          ok: ref('Incident'),
          errors: [403, 404, 409],
        }),
      },
      '/v1/incidents/{id}/resolve': {
        post: op('resolve an incident (admin, or member of its domain)', 'resolveIncident', {
          params: [pathParam('id', 'incident id')],
          ok: ref('Incident'),
          errors: [403, 404],
        }),
      },
      '/v1/webhooks': {
        get: op('webhook subscriptions (admin)', 'listWebhooks', { ok: arrayOf(ref('Webhook')), errors: [403] }),
        post: op('subscribe a URL to events (admin)', 'addWebhook', {
          body: obj(
            {
              url: str({ format: 'uri' }),
              types: arrayOf(str()),
              format: str({ enum: ['cloudevents', 'slack'] }),
              domains: arrayOf(str({ description: 'only events about products of these domains' })),
            },
            ['url'],
          ),
          ok: ref('Webhook'),
          okStatus: 201,
          errors: [400, 403],
        }),
      },
      '/v1/webhooks/{id}': {
        delete: op('remove a subscription (admin)', 'removeWebhook', {
          params: [pathParam('id', 'webhook id')],
          okStatus: 204,
          errors: [403, 404],
        }),
      },
      '/v1/access/requests': {
        post: op(
          'ask for a product (every major, or domain/name@major) for a team you belong to; approved at once when access.autoApprove matches',
          'requestAccess',
          {
            body: obj(
              {
                product: str(),
                team: str(),
                purpose: str(),
                pii: { type: 'boolean' },
                expires: str({ description: 'e.g. 90d' }),
              },
              ['product', 'team', 'purpose'],
            ),
            ok: ref('AccessDecision'),
            okStatus: 201,
            errors: [400, 403, 404],
          },
        ),
      },
      '/v1/access/requests/{id}/approve': {
        post: op('approve a pending request (admins and members of the owning domain)', 'approveAccess', {
          params: [pathParam('id', 'request id')],
          body: obj({ reason: str() }, []),
          ok: ref('AccessDecision'),
          errors: [400, 403, 404, 409],
        }),
      },
      '/v1/access/requests/{id}/deny': {
        post: op('deny a pending request (admins and members of the owning domain)', 'denyAccess', {
          params: [pathParam('id', 'request id')],
          body: obj({ reason: str() }, []),
          ok: ref('AccessDecision'),
          errors: [400, 403, 404, 409],
        }),
      },
      '/v1/access/grants/{id}': {
        delete: op('revoke a grant given by a request; reads stop at once', 'revokeGrant', {
          params: [pathParam('id', 'grant id')],
          ok: ref('Grant'),
          errors: [400, 403, 404, 409],
        }),
      },
      '/v1/access': {
        get: op('grants and requests (of a product, of a team, or the pending requests)', 'listAccess', {
          params: [
            queryParam('product', 'domain/name'),
            queryParam('team', 'a team'),
            queryParam('pending', 'true: only pending requests'),
          ],
          ok: obj({ grants: arrayOf(ref('Grant')), requests: arrayOf(ref('AccessRequest')) }),
          errors: [400],
        }),
      },
      '/v1/access/log': {
        get: op('the audit log of reads and refusals, newest first, as far as the caller may see it', 'accessLog', {
          params: [
            queryParam('product', 'domain/name'),
            queryParam('team', 'reads by this team'),
            queryParam('since', 'an ISO time or a duration back from now (24h)'),
            queryParam('limit', 'at most this many rows', { type: 'integer' }),
          ],
          ok: arrayOf(ref('AccessLogEntry')),
          errors: [400, 403],
        }),
      },
      '/v1/products/{domain}/{name}/data': {
        get: {
          ...op(
            'the current snapshot of the product (name@major for an older major) as the caller may read it: PII masked without a PII grant; streamed. Metadata in X-Mesh-Rows, X-Mesh-Masked-Columns, X-Mesh-Snapshot, X-Mesh-Pii-Cleared',
            'exportData',
            {
              params: [
                ...productParams,
                queryParam('format', 'parquet (default), csv or json (newline-delimited)', {
                  type: 'string',
                  enum: ['parquet', 'csv', 'json'],
                }),
                queryParam('as', 'read with the grants of this team of yours only'),
              ],
              errors: [400, 403, 404, 503],
            },
          ),
        },
      },
      // Consumer queries (src/query): one read-only SELECT over the products the caller may read.
      '/v1/query': {
        post: op(
          'runs one read-only SELECT across data products (domain.product, or domain.product_v<major>) as the caller may read them, PII masked by the access decision; streamed. NDJSON: a {"columns":[{name,type}]} line, one JSON array per row, then {"summary":{rows,truncated,limit,elapsedMs,tables}} (or {"error":…} when the query fails midway). CSV: a header, the rows, a last "# summary {…}" line; types in X-Mesh-Column-Types. 503 with Retry-After when the server runs as many queries as it may ("busy, retry")',
          'runQuery',
          {
            body: ref('QueryRequest'),
            ok: str({ description: 'newline-delimited JSON (default) or CSV, see the summary' }),
            contentType: 'application/x-ndjson',
            errors: [400, 403, 404, 413, 503],
          },
        ),
      },
      '/v1/query/explain': {
        post: op(
          'which snapshots (product, major, snapshot id) and masked columns a query would read, vetted and decided, without running it',
          'explainQuery',
          { body: ref('QueryRequest'), ok: ref('QueryExplanation'), errors: [400, 403, 404, 413, 503] },
        ),
      },
      '/v1/webhooks/{id}/deliveries': {
        get: op('deliveries of a subscription with their attempts (admin)', 'listDeliveries', {
          params: [pathParam('id', 'webhook id')],
          ok: arrayOf(ref('Delivery')),
          errors: [403],
        }),
      },
      ...healthPaths(),
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'an API token from `mesh token create` (or `mesh admin init`)',
        },
      },
      schemas: { ...schemas, ...healthSchemas },
      responses: Object.fromEntries(
        Object.entries(errorDescriptions).map(([s, d]) => [
          `E${s}`,
          { description: d, content: { 'application/json': { schema: ref('Error') } } },
        ]),
      ),
    },
  };
}
