const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'dp-server', rootDir: __dirname, roots: ['<rootDir>/src'] };
