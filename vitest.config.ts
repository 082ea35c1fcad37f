import { defineConfig } from 'vitest/config';

// One run covers every tier; each project keeps its own settings (e2e runs one file at a time).
export default defineConfig({
  test: {
    projects: ['packages/shared', 'apps/server', 'apps/web', 'e2e'],
  },
});
