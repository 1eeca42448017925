const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'client-agent', rootDir: __dirname, roots: ['<rootDir>/src'] };
