import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time: most of a file's time is spent waiting on databases, brokers,
    // child processes and the browser, and vitest's default on a 2-core machine is one.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
