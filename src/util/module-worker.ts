/**
 * A worker thread running one of holoclip's own modules, next to the calling module: the compiled `.js` in
 * `dist/`, or, when holoclip runs from `src/` under tsx (tests, benches), the `.ts` with tsx registered first.
 */
import { Worker } from 'node:worker_threads';

/** Starts `./<name>.js` (or `.ts`) beside the module whose `import.meta.url` is `from`, with `workerData`. */
export function startModuleWorker(from: string, name: string, workerData: unknown): Worker {
  if (!from.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, from), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, from).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData });
}
