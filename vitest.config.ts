import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real servers on 127.0.0.1; two cores are plenty for a few forks.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
