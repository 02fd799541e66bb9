/** `holoclip run SUITE --emit k8s`: writes the manifests (./manifests.ts) and submit.sh into the job folder, atomically. */
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { HoloclipError } from '../../errors.js';
import { writeFileAtomic } from '../../store/atomic.js';
import type { ClusterRunSpec } from '../cluster-run.js';
import { k8sManifests, k8sSubmitScript, type K8sManifests, type K8sOptions } from './manifests.js';

export interface K8sJobFiles {
  readonly dir: string;
  readonly pvc: string;
  readonly shards: string;
  readonly aggregate: string;
  readonly submit: string;
}

function inside(dir: string, p: string): boolean {
  const r = path.relative(dir, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/**
 * The pods see the claim only: every path the run reads or writes must be under the mount path. `paths` are the
 * suite's paths (suite file, store, out, benchmarks, models, datasets) with what names them.
 */
export function checkPathsOnVolume(mountPath: string, paths: ReadonlyArray<{ what: string; path: string }>): void {
  const outside = paths.filter((p) => !inside(mountPath, p.path));
  if (outside.length > 0) {
    throw new HoloclipError(
      `--emit k8s: the pods see only the volume mounted at ${mountPath} (--mount-path), but ${outside.length} path${outside.length === 1 ? ' is' : 's are'} outside it:\n${outside.map((p) => `  - ${p.what}: ${p.path}`).join('\n')}\nput them on the shared volume, or give the --mount-path that holds them all`,
    );
  }
}

export async function emitK8sJob(spec: ClusterRunSpec, options: K8sOptions, jobDir: string): Promise<{ files: K8sJobFiles; manifests: K8sManifests }> {
  const dir = path.resolve(jobDir);
  const files: K8sJobFiles = { dir, pvc: path.join(dir, 'pvc.yaml'), shards: path.join(dir, 'shards.yaml'), aggregate: path.join(dir, 'aggregate.yaml'), submit: path.join(dir, 'submit.sh') };
  const m = k8sManifests(spec, options);
  const yaml = (v: unknown) => stringify(v, { lineWidth: 0 });
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(files.pvc, yaml(m.pvc));
  await writeFileAtomic(files.shards, yaml(m.shards));
  await writeFileAtomic(files.aggregate, yaml(m.aggregate));
  await writeFileAtomic(files.submit, k8sSubmitScript(m, files, options.namespace));
  await chmod(files.submit, 0o755);
  return { files, manifests: m };
}
