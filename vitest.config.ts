import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/**/*.test.ts', 'main/**/*.test.ts', 'preload/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'bench/**/*.test.ts'],
    exclude: ['node_modules', 'out', 'e2e'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Test servers (PostgreSQL, s3rver) are started once for the run and stopped after it.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
  },
});
