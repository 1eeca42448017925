const preset = require('../../jest.preset.cjs');

// The DP app, its session runner and real agent deploy flows in one process, over libs/transport's
// MemoryNetwork on a VirtualClock: no socket leaves the process, so this runs with the unit tests.
module.exports = {
  ...preset,
  displayName: 'fullstack',
  // As the DP's own specs (apps/dp-server/jest.config.cjs): the stack's start (PGlite, migrations,
  // route schemas) took over 5 s, jest's default, in a CI run on a loaded box (2026-12-06): the
  // beforeAll timed out, every test failed on an undefined stack, and the app it went on building
  // held its database and listener open, so jest never exited (idle for 28 minutes).
  testTimeout: 120_000,
  rootDir: __dirname,
  roots: ['<rootDir>/src'],
  // As in apps/dp-server/jest.config.cjs: ESM-only packages the DP app loads, made CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|set-cookie-parser|kysely)/)'],
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    '^@castpoint/dp-server/(.*)$': `${__dirname}/../../apps/dp-server/src/$1`,
    '^@castpoint/client-agent/(.*)$': `${__dirname}/../../apps/client-agent/src/$1`,
  },
};
