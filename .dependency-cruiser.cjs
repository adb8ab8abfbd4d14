/**
 * Dependency rules for src/ (`npm run lint:deps`, run by `npm test` before vitest).
 * Dependencies point one way: no folder of src/ may depend, directly or through others, on a
 * folder that depends on it; shared types live in src/contracts, below every stage.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment:
        'Two folders of src/ depend on each other (possibly through others). Move the shared type to src/contracts, ' +
        'or move the code to the folder that depends on the other (docs/ARCHITECTURE.md has the folder map).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/[^/]+$' },
      to: { path: '^src/[^/]+$', circular: true },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other at run time: their load order decides what the other sees.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'contracts-are-types',
      comment: 'src/contracts holds the shared data shapes; it imports types only, so any folder may use it.',
      severity: 'error',
      from: { path: '^src/contracts/' },
      to: { dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
