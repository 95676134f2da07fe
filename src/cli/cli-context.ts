import { InputError } from '../core/errors.js';
import { loadPolicyEngine, type PolicyEngine } from '../governance/policy-engine.js';
import { LocalPlatform } from '../platform/local-platform.js';
import { configFromEnv } from '../core/mesh-config.js';
import type { MeshApi } from '../platform/mesh-api.js';
import { HttpPlatform } from '../server/client/http-platform.js';
import { LocalServerApi } from '../server/local-server-api.js';
import type { ServerApi } from '../server/server-api.js';
import { Output, type OutputStreams } from './output.js';
import { localScope, type AccessScope } from '../access/principal.js';

/** What every command gets: output, the platform (opened lazily) and where it runs. */
export class CliContext {
  exitCode = 0;
  #platform?: MeshApi;
  #policies?: PolicyEngine;
  #serverApi?: ServerApi;
  #offline?: LocalPlatform;
  /** From the global --server option; MESH_SERVER otherwise. */
  serverUrl?: string;
  constructor(
    readonly streams: OutputStreams,
    readonly env: NodeJS.ProcessEnv,
    readonly cwd: string,
  ) {}

  output(options: { json?: boolean }): Output {
    return new Output(this.streams, Boolean(options.json));
  }

  /** The platform every command talks to: in-process now; a server client when MESH_SERVER is set. */
  platform(): MeshApi {
    this.#platform ??= this.server()
      ? this.#http()
      : new LocalPlatform({
          config: configFromEnv(this.env, this.cwd),
          governance: this.policies(),
          maskingKey: this.env.MESH_MASKING_KEY || undefined,
        });
    return this.#platform;
  }

  /** The policies in force here: built-in rules plus the policy sets of MESH_POLICIES or the nearest policies/ folder. */
  policies(): PolicyEngine {
    this.#policies ??= loadPolicyEngine({ cwd: this.cwd, env: this.env });
    return this.#policies;
  }

  /** The server this CLI talks to, if any (--server or MESH_SERVER). */
  server(): string | undefined {
    return this.serverUrl || this.env.MESH_SERVER || undefined;
  }

  /** Identities, SLA, incidents and webhooks: over HTTP with a server, on the local registry (as its admin) without. */
  serverApi(): ServerApi {
    if (this.server()) return this.#http();
    this.#serverApi ??= new LocalServerApi(() => this.local().registry(), {
      user: this.local().config.actor,
      role: 'admin',
      domains: [],
    });
    return this.#serverApi;
  }

  /**
   * Who reads: on this machine the local admin (MESH_USER or the OS user), unless `--as <team>`;
   * with a server the token decides and only the team travels.
   */
  accessScope(asTeam?: string): AccessScope {
    if (this.server()) return { principal: { user: 'token', role: 'consumer' }, asTeam };
    return localScope(configFromEnv(this.env, this.cwd).actor, asTeam);
  }

  #http(): HttpPlatform {
    const current = this.#platform;
    if (current instanceof HttpPlatform) return current;
    const http = new HttpPlatform({ baseUrl: this.server()!, token: this.env.MESH_TOKEN || undefined });
    this.#platform = http;
    return http;
  }

  /**
   * This machine's platform even when a server is configured: dry runs of a folder with file
   * inputs read the user's files, which only exist here.
   */
  onThisMachine(): LocalPlatform {
    const platform = this.platform();
    if (platform instanceof LocalPlatform) return platform;
    this.#offline ??= new LocalPlatform({ config: configFromEnv(this.env, this.cwd), governance: this.policies() });
    return this.#offline;
  }

  /** The local implementation, for commands that only make sense on this machine. */
  local(): LocalPlatform {
    const platform = this.platform();
    if (!(platform instanceof LocalPlatform))
      throw new InputError('this command runs on the local platform only: drop --server / MESH_SERVER');
    return platform;
  }

  async close(): Promise<void> {
    await this.#platform?.close();
    await this.#offline?.close();
  }
}
