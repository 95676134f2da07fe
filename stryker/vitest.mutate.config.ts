// The vitest configuration Stryker runs under: only the test files named in MUTATE_TESTS
// (set per module by scripts/mutate.ts), so each mutant runs the narrowest relevant tests.
import { defineConfig } from 'vitest/config';

const tests = (process.env.MUTATE_TESTS ?? '').split(',').filter(Boolean);
if (!tests.length) throw new Error('MUTATE_TESTS is empty: run mutation tests with npm run mutate');

export default defineConfig({
  test: {
    include: tests,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
