import { defineConfig } from 'vitest/config';

// CI also writes a JSON report, from which .ci/run prints its one summary line.
const reporters: (string | [string, Record<string, unknown>])[] = ['default'];
if (process.env.CI) reporters.push(['json', { outputFile: '.tmp/vitest-results.json' }]);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A loaded 2-core CI machine starts agent processes slowly, and a whole-pack or whole-corpus
    // run takes a minute there: bounds are generous, never tight.
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters,
  },
});
