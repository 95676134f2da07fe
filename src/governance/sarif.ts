/**
 * Diagnostics as SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure
 * DevOps) read, so a domain's CI shows policy findings inline on the pull request.
 */
import type { Diagnostic } from '../core/diagnostic.js';
import { BUILTIN_RULES_BY_ID } from './builtin-rules.js';

const LEVEL = { error: 'error', warn: 'warning', info: 'note' } as const;

export interface SarifLog {
  readonly $schema: string;
  readonly version: '2.1.0';
  readonly runs: unknown[];
}

/** What SARIF says about a rule: its title and why it exists (built-in rules know; CEL rules say in their policy set). */
export type RuleDescriber = (id: string) => { title: string; rationale?: string } | undefined;

export function toSarif(
  diagnostics: readonly Diagnostic[],
  toolVersion: string,
  describeRule?: RuleDescriber,
): SarifLog {
  const ruleIds = [...new Set(diagnostics.map((d) => d.code))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'meshwork',
            informationUri: 'https://meshwork.dev',
            version: toolVersion,
            rules: ruleIds.map((id) => {
              const builtin = BUILTIN_RULES_BY_ID.get(id);
              const described =
                describeRule?.(id) ?? (builtin ? { title: builtin.title, rationale: builtin.rationale } : undefined);
              return {
                id,
                shortDescription: { text: described?.title ?? id },
                ...(described?.rationale ? { fullDescription: { text: described.rationale } } : {}),
              };
            }),
          },
        },
        results: diagnostics.map((d) => ({
          ruleId: d.code,
          ruleIndex: index.get(d.code),
          level: LEVEL[d.severity],
          message: { text: d.hint ? `${d.message} (fix: ${d.hint})` : d.message },
          ...(d.location
            ? {
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: d.location.file.split('\\').join('/') },
                      region: { startLine: d.location.line, startColumn: d.location.col },
                    },
                  },
                ],
              }
            : {}),
          ...(d.source ? { properties: { source: d.source } } : {}),
        })),
      },
    ],
  };
}
