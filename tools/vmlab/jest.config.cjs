const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'vmlab', rootDir: __dirname, roots: ['<rootDir>/src'] };
