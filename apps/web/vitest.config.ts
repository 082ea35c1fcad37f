import { defineConfig } from 'vitest/config';

// Unit tests cover pure modules (reducer, catalogs, formatting): no DOM, no Vite plugins needed.
export default defineConfig({
  test: { name: 'web', environment: 'node', include: ['src/**/*.test.ts'] },
});
