/**
 * vitest globalSetup: the services the tests talk to are up before any test file runs (see
 * test/helpers/test-services.ts), so a missing one is one clear line, not a hundred timeouts.
 */
import { missingServices, testServices } from './helpers/test-services.js';

export async function setup(): Promise<void> {
  const missing = await missingServices(testServices());
  if (missing.length === 0) return;
  process.stderr.write(`\nThe tests need these services:\n${missing.map((line) => `  ${line}\n`).join('')}\n`);
  process.exit(1);
}
