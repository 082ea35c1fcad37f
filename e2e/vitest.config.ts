import { defineConfig } from 'vitest/config';

// Test hosts are real namespaces with real servers: one file at a time, generous timeouts.
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
