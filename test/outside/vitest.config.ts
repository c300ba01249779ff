import { defineConfig } from 'vitest/config';

// The outside apps' browser test runs only from scripts/release-dry-run.mjs, which builds the
// apps from the packed tarballs first (the workspace's vitest.config.ts does not include it).
export default defineConfig({
  test: {
    include: ['test/outside/*.e2e.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
