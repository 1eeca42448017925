// Shared jest settings: TypeScript through @swc/jest (fast, no type-check; `build` type-checks),
// and the workspace path aliases resolved to sources so tests never need a prior build.
const path = require('node:path');

const root = __dirname;
const alias = (p) => path.join(root, p);

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  moduleNameMapper: {
    '^@castpoint/wire$': alias('libs/wire/src/index.ts'),
    '^@castpoint/repair$': alias('libs/repair/src/index.ts'),
    '^@castpoint/chunking$': alias('libs/chunking/src/index.ts'),
    '^@castpoint/diskmap$': alias('libs/diskmap/src/index.ts'),
    '^@castpoint/diskmap/testing$': alias('libs/diskmap/src/testing/index.ts'),
    '^@castpoint/transport$': alias('libs/transport/src/index.ts'),
    '^@castpoint/netboot$': alias('libs/netboot/src/index.ts'),
    '^@castpoint/netlab$': alias('tools/netlab/src/index.ts'),
    '^@castpoint/bench$': alias('tools/bench/src/index.ts'),
    '^@castpoint/vmlab$': alias('tools/vmlab/src/index.ts'),
  },
  testMatch: ['**/?(*.)+(spec|test).ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
