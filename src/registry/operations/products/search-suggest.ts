/**
 * Typo tolerance: when nothing matches, each word the index does not know is replaced by the
 * nearest word it does (Levenshtein distance 1 for words of up to 4 letters, 2 beyond). The
 * candidates come from the index's own vocabulary: FTS5's (`search_vocab`, words with the
 * same first letter) on SQLite, `search_words` by trigram similarity (pg_trgm) on PostgreSQL.
 */
import { sql } from 'kysely';
import { distance } from 'fastest-levenshtein';
import type { Registry } from '../../registry.js';
import type { QueryTerm } from './search-text.js';

const MIN_LENGTH = 3;
const MAX_CANDIDATES = 2000;

export async function correctTerms(
  registry: Registry,
  terms: readonly QueryTerm[],
): Promise<{ corrected?: QueryTerm[]; suggestions: string[] }> {
  let changed = false;
  const suggestions: string[] = [];
  const corrected: QueryTerm[] = [];
  for (const term of terms) {
    const words: string[] = [];
    for (const [i, word] of term.words.entries()) {
      const prefix = term.prefix && i === term.words.length - 1;
      const nearest =
        word.length < MIN_LENGTH || (await isKnown(registry, word, prefix))
          ? []
          : await nearestWords(registry, word, prefix);
      if (nearest.length) changed = true;
      suggestions.push(...nearest.slice(0, 3));
      words.push(nearest[0] ?? word);
    }
    const wordsChanged = words.some((w, i) => w !== term.words[i]);
    corrected.push(wordsChanged ? { words, prefix: false } : term);
  }
  return { corrected: changed ? corrected : undefined, suggestions: [...new Set(suggestions)].slice(0, 5) };
}

async function isKnown(registry: Registry, word: string, prefix: boolean): Promise<boolean> {
  const table = registry.dialect === 'postgres' ? sql`search_words` : sql`search_vocab`;
  const column = registry.dialect === 'postgres' ? sql`word` : sql`term`;
  const match = prefix ? sql`${column} >= ${word} and ${column} < ${word + '\uffff'}` : sql`${column} = ${word}`;
  const rows = await sql`select 1 as found from ${table} where ${match} limit 1`.execute(registry.db);
  return rows.rows.length > 0;
}

/** Known words within the allowed distance, nearest (then most frequent) first. */
async function nearestWords(registry: Registry, word: string, prefix: boolean): Promise<string[]> {
  const maxEdits = word.length <= 4 ? 1 : 2;
  const candidates = await candidateWords(registry, word, prefix);
  const scored = candidates
    .map((c) => ({ ...c, d: prefix ? prefixDistance(word, c.word) : distance(word, c.word) }))
    .filter((c) => c.d <= maxEdits && c.word !== word);
  scored.sort((a, b) => a.d - b.d || b.docs - a.docs || (a.word < b.word ? -1 : 1));
  return scored.slice(0, 5).map((c) => c.word);
}

/** The distance of a word being typed to the start of a known word. */
function prefixDistance(typed: string, known: string): number {
  let best = distance(typed, known);
  for (let k = Math.max(1, typed.length - 1); k <= typed.length + 1; k++)
    best = Math.min(best, distance(typed, known.slice(0, k)));
  return best;
}

async function candidateWords(
  registry: Registry,
  word: string,
  prefix: boolean,
): Promise<Array<{ word: string; docs: number }>> {
  if (registry.dialect === 'postgres') {
    const rows = await sql<{ word: string }>`
      select word from search_words where word % ${word} limit ${MAX_CANDIDATES}`.execute(registry.db);
    return rows.rows.map((r) => ({ word: r.word, docs: 0 }));
  }
  const first = [...word][0];
  const maxLength = prefix ? 100 : word.length + 2;
  const rows = await sql<{ term: string; doc: number }>`
    select term, doc from search_vocab where term >= ${first} and term < ${first + '\uffff'}
      and length(term) between ${word.length - 2} and ${maxLength} limit ${MAX_CANDIDATES}`.execute(registry.db);
  return rows.rows.map((r) => ({ word: r.term, docs: Number(r.doc) }));
}
