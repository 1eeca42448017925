const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'chunking', rootDir: __dirname, roots: ['<rootDir>/src'] };
