import type { Context } from 'hono';

/**
 * JSON responses for values that may come from the catalog cache: the text is remembered per
 * object (weakly), so a cached page is serialized once rather than on every request.
 */
const serialized = new WeakMap<object, string>();

export function cachedJson(c: Context, value: object): Response {
  let text = serialized.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    serialized.set(value, text);
  }
  return c.body(text, 200, { 'content-type': 'application/json' });
}
