const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  displayName: 'dp-server',
  rootDir: __dirname,
  roots: ['<rootDir>/src'],
  // fastify's inject() loads light-my-request, which requires the ESM-only `cookie` 2 (and
  // set-cookie-parser 3): let @swc/jest turn those into CommonJS, as Node 20 cannot require ESM.
  // kysely (the SQL store's query builder) ships ESM only as well.
  // Every app a spec builds opens its SQL store (PGlite: seconds of WebAssembly start-up on the
  // shared, loaded test machine): a test's time limit allows for that, it measures nothing.
  testTimeout: 120_000,
  // Jest's default on 2 cores is one worker (cores - 1), which left a core idle through this
  // suite, the unit phase's long pole (716 s in band in session 16's CI; 166 s with two workers
  // and reused in-memory stores, 2026-12-06).
  maxWorkers: 2,
  transformIgnorePatterns: ['/node_modules/(?!(cookie|set-cookie-parser|kysely)/)'],
};
