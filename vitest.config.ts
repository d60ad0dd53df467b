import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Crypto-heavy suites (argon2id at 64 MiB, 100k-frame fuzzing) need more than the 5 s default on a 2-core CI box.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Says once, for the whole run, when the public vectors are absent (their tests skip).
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
