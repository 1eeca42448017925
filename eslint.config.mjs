// Flat ESLint config. The one rule that matters most is @nx/enforce-module-boundaries: it turns the
// architecture (wire <- repair, chunking, transport <- apps) into a lint failure when broken.
import nx from '@nx/eslint-plugin';

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
          depConstraints: [
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
          ],
        },
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
];
