const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'transport', rootDir: __dirname, roots: ['<rootDir>/src'] };
