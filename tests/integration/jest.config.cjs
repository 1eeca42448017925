const preset = require('../../jest.preset.cjs');

// Integration tests start real processes inside private network namespaces (tools/netlab).
module.exports = {
  ...preset,
  displayName: 'integration',
  rootDir: __dirname,
  roots: ['<rootDir>'],
  testTimeout: 120_000,
  maxWorkers: 1,
};
