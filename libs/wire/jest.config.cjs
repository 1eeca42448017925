const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'wire', rootDir: __dirname, roots: ['<rootDir>/src'] };
