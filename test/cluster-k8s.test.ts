/**
 * `holoclip run SUITE --emit k8s`: the Indexed Job (completions = shards, JOB_COMPLETION_INDEX + 1 as the shard),
 * the aggregation Job and the ReadWriteMany claim, validated against the Kubernetes v1.33 rules for Job and
 * PersistentVolumeClaim objects (test/helpers/k8s-schema.ts); the pods' command run by sh with a stand-in
 * holoclip; paths off the volume refused. No Kubernetes cluster is available here: nothing is applied.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { k8sJobName } from '../src/cluster/k8s/manifests.js';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { k8sJobSchema, k8sPvcSchema } from './helpers/k8s-schema.js';

let work = '';
let suite = '';
let printer = '';

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-k8s-'));
  // Everything on the "volume" (work): the model through a symlink, a small image folder.
  await fs.symlink(path.join(REPO_ROOT, 'models', 'zoo', 'base'), path.join(work, 'base'));
  await fs.mkdir(path.join(work, 'data', 'cat'), { recursive: true });
  suite = path.join(work, 'suite.yaml');
  await fs.writeFile(suite, 'name: Nightly_K8s.run\nmodels:\n  - path: base\ndatasets:\n  d: data\ntasks:\n  - type: zeroshot\n    datasets: [d]\n');
  printer = path.join(work, 'print-args.sh');
  await fs.writeFile(printer, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
});

after(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

async function readYaml(file: string): Promise<Record<string, unknown>> {
  const docs = parseAllDocuments(await fs.readFile(file, 'utf8'));
  assert.equal(docs.length, 1);
  return docs[0]!.toJS() as Record<string, unknown>;
}

interface JobLike {
  metadata: { name: string; namespace?: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    template: { spec: { restartPolicy: string; containers: Array<{ command: string[]; image: string; workingDir: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> }; volumeMounts: Array<{ mountPath: string; name: string }> }>; volumes: Array<{ persistentVolumeClaim: { claimName: string } }> } };
  };
}

function validate(schema: typeof k8sJobSchema | typeof k8sPvcSchema, value: unknown): void {
  const r = schema.safeParse(value);
  assert.ok(r.success, r.success ? '' : JSON.stringify(r.error.issues, null, 2));
}

test('k8s: an Indexed Job of the shards, the aggregation Job and a ReadWriteMany claim, valid Kubernetes objects', async () => {
  const out = path.join(work, 'out');
  const res = await runCli(
    ['run', suite, '--emit', 'k8s', '--shards', '4', '--image', 'registry.example.org/holoclip:0.1.0', '--pvc', 'holoclip-data', '--mount-path', work, '--namespace', 'eval', '--cpus-per-task', '4', '--mem', '16Gi', '--gpus-per-task', '1', '--storage-class', 'nfs-client', '--out', out, '--holoclip-command', printer],
    { cwd: work },
  );
  assert.equal(res.code, 0, res.stderr);
  const dir = path.join(out, 'k8s');
  const shards = (await readYaml(path.join(dir, 'shards.yaml'))) as unknown as JobLike;
  const aggregate = (await readYaml(path.join(dir, 'aggregate.yaml'))) as unknown as JobLike;
  const pvc = await readYaml(path.join(dir, 'pvc.yaml'));
  validate(k8sJobSchema, shards);
  validate(k8sJobSchema, aggregate);
  validate(k8sPvcSchema, pvc);
  assert.equal(shards.metadata.name, 'holoclip-nightly-k8s-run-shards');
  assert.equal(shards.metadata.namespace, 'eval');
  assert.equal(shards.spec.completionMode, 'Indexed');
  assert.equal(shards.spec.completions, 4);
  assert.equal(shards.spec.parallelism, 4);
  const pod = shards.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  assert.equal(pod.volumes[0]!.persistentVolumeClaim.claimName, 'holoclip-data');
  const c = pod.containers[0]!;
  assert.equal(c.image, 'registry.example.org/holoclip:0.1.0');
  assert.equal(c.volumeMounts[0]!.mountPath, work);
  assert.deepEqual(c.resources, { requests: { cpu: '4', memory: '16Gi' }, limits: { memory: '16Gi', 'nvidia.com/gpu': '1' } });
  assert.equal(aggregate.spec.template.spec.containers[0]!.resources?.limits?.['nvidia.com/gpu'], undefined, 'the aggregation needs no GPU');
  assert.deepEqual((pvc as { spec: { accessModes: string[] } }).spec.accessModes, ['ReadWriteMany']);

  // The pods' command, run by sh as the container would: pod with JOB_COMPLETION_INDEX=2 runs shard 3/4.
  const [sh, flag, script] = c.command;
  assert.equal(sh, '/bin/sh');
  const r = spawnSync(sh!, [flag!, script!], { encoding: 'utf8', env: { ...process.env, JOB_COMPLETION_INDEX: '2' } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').slice(0, -1), ['run', suite, '--store', path.join(work, '.holoclip'), '--out', out, '--benchmarks-dir', path.join(work, '.holoclip', 'benchmarks'), '--threads', '4', '--shard', '3/4']);
  const [, aflag, ascript] = aggregate.spec.template.spec.containers[0]!.command;
  const g = spawnSync('/bin/sh', [aflag!, ascript!], { encoding: 'utf8' });
  assert.ok(!g.stdout.includes('--shard'));
  assert.match(g.stdout, /^run\n/);

  const submit = path.join(dir, 'submit.sh');
  assert.equal(spawnSync('bash', ['-n', submit]).status, 0);
  const text = await fs.readFile(submit, 'utf8');
  assert.match(text, /kubectl -n eval apply -f \S*shards\.yaml/);
  assert.ok(text.indexOf('shards.yaml') < text.indexOf('aggregate.yaml'), 'the aggregation is applied after the shards');
});

test('k8s: the schema rejects what the API server rejects (so it is not a rubber stamp)', async () => {
  const out = path.join(work, 'out2');
  const res = await runCli(['run', suite, '--emit', 'k8s', '--shards', '2', '--image', 'img:1', '--mount-path', work, '--out', out], { cwd: work });
  assert.equal(res.code, 0, res.stderr);
  const job = (await readYaml(path.join(out, 'k8s', 'shards.yaml'))) as unknown as JobLike & Record<string, unknown>;
  validate(k8sJobSchema, job);
  const bad = (mutate: (j: JobLike & Record<string, unknown>) => void): boolean => {
    const copy = structuredClone(job);
    mutate(copy);
    return k8sJobSchema.safeParse(copy).success;
  };
  assert.equal(bad((j) => delete j.spec.completions), false, 'Indexed without completions');
  assert.equal(bad((j) => (j.spec.template.spec.restartPolicy = 'Always')), false, 'restartPolicy Always');
  assert.equal(bad((j) => (j.spec.template.spec.restartPolicy = 'OnFailure')), false, 'backoffLimitPerIndex with OnFailure');
  assert.equal(bad((j) => (j.metadata.name = 'x'.repeat(64))), false, 'name over 63');
  assert.equal(bad((j) => (j.metadata.name = 'Upper_case')), false, 'not DNS-1123');
  assert.equal(bad((j) => (j.spec.template.spec.containers[0]!.volumeMounts[0]!.name = 'other')), false, 'mount of no volume');
  assert.equal(bad((j) => (j.spec.template.spec.containers[0]!.resources = { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '2' } })), false, 'GPU request != limit');
  assert.equal(bad((j) => ((j.spec as Record<string, unknown>).completionsTypo = 3)), false, 'unknown field');
  assert.equal(bad((j) => (j.spec.completions = 5)), true, 'a valid change stays valid');
  assert.equal(k8sJobName('a'.repeat(100), 'aggregate').length <= 63, true);
});

test('k8s: --image is required, and paths outside the mounted volume are refused before anything is written', async () => {
  const out = path.join(work, 'out3');
  const noImage = await runCli(['run', suite, '--emit', 'k8s', '--shards', '2', '--out', out], { cwd: work });
  assert.equal(noImage.code, 1);
  assert.match(noImage.stderr, /--emit k8s needs --image IMAGE/);
  const data = path.join(work, 'data');
  const outside = await runCli(['run', suite, '--emit', 'k8s', '--shards', '2', '--image', 'img:1', '--mount-path', data, '--out', path.join(data, 'out')], { cwd: work });
  assert.equal(outside.code, 1);
  assert.match(outside.stderr, /the pods see only the volume mounted at \S+data \(--mount-path\)/);
  assert.match(outside.stderr, /- the suite file: \S+suite\.yaml/);
  assert.match(outside.stderr, /- model base: /);
  assert.ok(!existsSync(path.join(data, 'out', 'k8s')), 'nothing written');
});
