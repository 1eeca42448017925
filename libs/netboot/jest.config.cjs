const preset = require('../../jest.preset.cjs');

module.exports = { ...preset, displayName: 'netboot', rootDir: __dirname, roots: ['<rootDir>/src'] };
