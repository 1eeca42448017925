const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'netlab', rootDir: __dirname, roots: ['<rootDir>/src'] };
