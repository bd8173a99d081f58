import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (index.js) and ESM (index.mjs) builds; Node hands Yoga and Pothos
    // the CJS one, so the tests must use it too or GraphQLError has two classes.
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Spawned servers and CLIs run the built dist/, as `npm start` does: built once per run.
    globalSetup: ['test/support/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each test file makes its own database; two at a time fits these 2-core machines.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
