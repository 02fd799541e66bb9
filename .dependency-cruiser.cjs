/**
 * holoclip's layers. Data flows one way:
 *   model + data -> embeddings -> logits -> metrics -> results -> report,
 * and imports follow it: a module may import its own layer and the layers below, never above.
 * Checked by `npx depcruise src` in `npm test` (test/architecture.test.ts): zero violations, zero cycles.
 *
 * Layers, lowest first (a folder of src/, or one file where noted):
 *   0  errors.ts, util/, results/ (the results.json format), formats/, metrics/ (pure math)
 *   1  image/, store/, refdata/, corruptions/ (pure pixel transforms)
 *   2  data/ (datasets; may name a corruption), models/, lmm/ (multimodal-LLM backends, questions, answer matching)
 *   3  benchmarks/, depth/, published/ (published result tables joined to the model catalogue)
 *   4  pipeline/ (decode, corrupt, embed)
 *   5  head/ (templates, text classifier)
 *   6  report/kit/ (tables, charts, queries over results.json; knows no task)
 *   7  tasks/ (one folder per task + the registry)
 *   8  report/ outside kit/ (the page: loops over the task registry), score/ (metrics on files)
 *   9  suite/
 *   10 cluster/ (Slurm and Kubernetes job files and followers over a suite run)
 *   11 cli/
 */
const LAYERS = [
  ['^src/(errors\\.ts|util/|results/|formats/|metrics/)'],
  ['^src/(image|store|refdata|corruptions)/'],
  ['^src/(data|models|lmm)/'],
  ['^src/(benchmarks|depth|published)/'],
  ['^src/pipeline/'],
  ['^src/head/'],
  ['^src/report/kit/'],
  ['^src/tasks/'],
  ['^src/report/(?!kit/)', '^src/score/'],
  ['^src/suite/'],
  ['^src/cluster/'],
  ['^src/cli/'],
];

/** Forbidden: a module of layer i importing a module of any layer above i. */
const layerRules = LAYERS.flatMap((paths, i) => {
  const above = LAYERS.slice(i + 1).flat();
  if (above.length === 0) return [];
  return [
    {
      name: `layer-${i}-imports-upward`,
      comment: `layer ${i} (${paths.join(' | ')}) may not import a higher layer`,
      severity: 'error',
      from: { path: paths },
      to: { path: above },
    },
  ];
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'no import cycles, at any distance',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'metrics-are-pure',
      comment: 'metrics/ is math over typed arrays: no I/O, no workers, no processes',
      severity: 'error',
      from: { path: '^src/metrics/' },
      to: { path: '^(fs|node:fs|fs/promises|node:fs/promises|child_process|node:child_process|worker_threads|node:worker_threads)$' },
    },
    {
      name: 'task-folders-do-not-import-each-other-except-zeroshot',
      comment: 'a task folder imports only shared task modules and the zero-shot task (whose units effective robustness reads)',
      severity: 'error',
      from: { path: '^src/tasks/([^/]+)/' },
      to: { path: '^src/tasks/([^/]+)/', pathNot: ['^src/tasks/$1/', '^src/tasks/zeroshot/'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'every import resolves',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API; dependency-cruiser reads the sources with swc (type imports included).
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
