import { InputError } from '../../../core/errors.js';

/** A page boundary of a search: the last hit's (score, product id), opaque to the user. */
export function encodeSearchCursor(score: number, id: string): string {
  return Buffer.from(JSON.stringify([score, id]), 'utf8').toString('base64url');
}

export function decodeSearchCursor(cursor: string): { score: number; id: string } {
  let value: unknown;
  try {
    value = cursor.length <= 1000 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    Number.isSafeInteger(value[0]) &&
    value[0] >= 0 &&
    typeof value[1] === 'string' &&
    value[1].length <= 300
  )
    return { score: value[0] as number, id: value[1] };
  throw new InputError('the cursor is not one a search returned', {
    details: { hint: 'pass the nextCursor of the previous page unchanged, or leave it out for the first page' },
  });
}
