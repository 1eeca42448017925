// Flat ESLint config. The one rule that matters most is @nx/enforce-module-boundaries: it turns the
// architecture (wire <- repair, chunking, transport <- apps) into a lint failure when broken.
import nx from '@nx/eslint-plugin';

const depConstraints = [
  // wire is the bottom of the graph: it imports no other project.
  { sourceTag: 'lib:wire', onlyDependOnLibsWithTags: ['lib:wire'] },
  { sourceTag: 'lib:repair', onlyDependOnLibsWithTags: ['lib:wire'] },
  { sourceTag: 'lib:chunking', onlyDependOnLibsWithTags: ['lib:wire'] },
  { sourceTag: 'lib:transport', onlyDependOnLibsWithTags: ['lib:wire'] },
  // diskmap parses partition tables and filesystem allocation maps over a read function.
  { sourceTag: 'lib:diskmap', onlyDependOnLibsWithTags: ['lib:wire'] },
  // netboot (DHCP/PXE/TFTP codecs) stands alone: it imports no other project.
  { sourceTag: 'lib:netboot', onlyDependOnLibsWithTags: ['lib:netboot'] },
  { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app', 'type:tool'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
  { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:tool', 'type:app'] },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/*.generated.*', '**/generated/**', 'coverage'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints,
        },
      ],
    },
  },
  {
    // The full-stack test runs both apps in one process: it alone may import their sources (Nx
    // forbids importing an app from anywhere; the apps still may not import each other).
    files: ['tests/fullstack/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: ['@castpoint/dp-server/**', '@castpoint/client-agent/**'], depConstraints },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Type-aware rules, for the code that runs sessions and deploys: a promise nobody awaits or
    // catches turns a failed write or send into an unhandled rejection (Node ends the process) or
    // into silence. `void` marks the few that are fire-and-forget on purpose, each with a why.
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'tests/fullstack/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
];
