const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'diskmap', rootDir: __dirname, roots: ['<rootDir>/src'] };
