/**
 * The columns a new product's form proposes from a described source: each source column as a
 * descriptor column (an identifier name, its Meshwork type and nullability) with a PII class
 * proposed from its name (governance/pii-proposal.ts) for the user to confirm.
 */
import { IDENTIFIER_PATTERN, type PiiClass } from '../descriptor/data-product-schema.js';
import { nameWords, proposePii } from '../governance/pii-proposal.js';
import type { DatabaseSourceType, SourceColumn } from '../runner/extract/describe-source.js';

export interface ProposedColumn {
  /** A descriptor identifier: the source's name in snake_case when it is not one already. */
  readonly name: string;
  /** The name the source gives it (what the transform reads). */
  readonly sourceName: string;
  readonly type: string;
  /** Undefined: the database does not say. */
  readonly nullable?: boolean;
  /** A proposal from the column's name only: the user confirms it. */
  readonly pii: PiiClass;
  /** Why that class was proposed. */
  readonly piiReason?: string;
}

export interface ColumnProposal {
  readonly columns: ProposedColumn[];
  /** What the user must do for the proposal to fit the source (columns to alias). */
  readonly notes: string[];
}

const IDENTIFIER = new RegExp(IDENTIFIER_PATTERN);

function identifierOf(sourceName: string, position: number): string {
  if (IDENTIFIER.test(sourceName) && sourceName.length <= 63) return sourceName;
  const words = nameWords(sourceName).slice(0, 63);
  if (!words) return `column_${position}`;
  return /^[0-9]/.test(words) ? `c_${words}`.slice(0, 63) : words;
}

/** The source's own quoting, for the alias the note suggests. */
function quoted(name: string, type: DatabaseSourceType): string {
  return type === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
}

export function proposeColumns(described: readonly SourceColumn[], type: DatabaseSourceType): ColumnProposal {
  const taken = new Set<string>();
  const renamed: string[] = [];
  const columns = described.map((c, i): ProposedColumn => {
    let name = identifierOf(c.name, i + 1);
    for (let n = 2; taken.has(name); n++) name = `${identifierOf(c.name, i + 1).slice(0, 60)}_${n}`;
    taken.add(name);
    if (name !== c.name) renamed.push(`${quoted(c.name, type)} AS ${name}`);
    const pii = proposePii(c.name);
    return {
      name,
      sourceName: c.name,
      type: c.type,
      ...(c.nullable !== undefined ? { nullable: c.nullable } : {}),
      pii: pii.pii,
      ...(pii.reason ? { piiReason: pii.reason } : {}),
    };
  });
  const notes = renamed.length
    ? [
        `${renamed.length} column(s) are proposed renamed (a name that is not a lowercase identifier, or is taken): alias them in the query (or the transform) so the result matches, e.g. SELECT ${renamed.slice(0, 3).join(', ')}${renamed.length > 3 ? ', …' : ''}`,
      ]
    : [];
  return { columns, notes };
}
