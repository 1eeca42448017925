const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'repair', rootDir: __dirname, roots: ['<rootDir>/src'] };
