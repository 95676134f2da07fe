// dependency-cruiser: no import cycles, and the layering of src/ (a folder imports only folders below it).
// Run by `npm run check:cycles` (part of `npm run checks`). Type-only imports count: a cycle of types is still a cycle.

/** src/ folders from the bottom up; access/ and query/ are not written yet but have their place. */
const LAYERS = [
  'core',
  'descriptor',
  'standards',
  'governance',
  'registry',
  'engine',
  'ports',
  'runner',
  'lineage',
  'access',
  'query',
  'platform',
  'server',
  'cli',
];

const layeringRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ may import only ${LAYERS.slice(0, index).join(', ') || 'nothing else in src/'} (see ARCHITECTURE.md)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(index + 1).join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle: move the shared part into a module below both',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-in-layer',
      comment: 'every file under src/ lives in one of the layer folders (see LAYERS)',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${LAYERS.join('|')})/` },
      to: {},
    },
    ...layeringRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
