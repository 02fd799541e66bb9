/**
 * The top-level commands: name, the term `holoclip --help` lists, and description. main.ts imports a command's
 * module only when that command runs (or its own help is asked for), so `holoclip --help`, `score` and
 * `suite check` load neither the model stack nor the other commands (docs/performance.md).
 */
export interface CommandEntry {
  readonly term: string;
  readonly description: string;
}

export const COMMAND_LIST = {
  eval: { term: 'eval', description: 'evaluate a model on datasets (embeddings cached in the store)' },
  score: { term: 'score [options] <metric>', description: 'compute a metric from predictions made elsewhere (logits, scores, decisions, prediction CSVs); no model needed' },
  run: { term: 'run [options] [suite]', description: 'run a suite file: every model x dataset x task it declares, resumable, then results.json, results.csv and an HTML report' },
  suite: { term: 'suite', description: 'suite files: validate one, or print the JSON Schema for editors' },
  corrupt: { term: 'corrupt [options]', description: 'write corrupted copies of a dataset in the ImageNet-C layout (<corruption>/<severity>/<class>/<file>), or a contact sheet of every corruption x severity' },
  data: { term: 'data', description: 'list, download and locate the reference files (class names, templates, mappings, annotations)' },
  analyze: { term: 'analyze', description: 'analyses of published results (no model needed)' },
  store: { term: 'store', description: 'the embedding and result store: verify its checksums, remove entries no suite uses' },
  bench: { term: 'bench', description: 'build benchmarks from packaged sources (no network)' },
  model: { term: 'model', description: 'inspect model folders and list known models' },
} as const satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMAND_LIST;
