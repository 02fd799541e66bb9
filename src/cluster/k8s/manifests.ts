/**
 * Kubernetes manifests of a sharded suite run (pure; written by ./emit.ts):
 *   pvc.yaml        a ReadWriteMany PersistentVolumeClaim for the shared store (apply it once, or use an existing claim)
 *   shards.yaml     an Indexed Job: completions = parallelism = N, pod k runs `holoclip run SUITE --shard (k+1)/N`
 *                   with k = JOB_COMPLETION_INDEX; backoffLimitPerIndex retries a failed index on its own
 *   aggregate.yaml  a Job running the plain `holoclip run SUITE` (results, report), applied once shards.yaml completed
 *   submit.sh       applies them in that order with kubectl (Kubernetes has no job dependencies)
 * Every path the run uses (suite, store, out, models, datasets) must be on the volume, mounted at the same path
 * in the pods as here (`mountPath`).
 */
import { HoloclipError } from '../../errors.js';
import { aggregateArgs, shardArgs, type ClusterRunSpec } from '../cluster-run.js';
import { shellJoin, shellQuote } from '../shell.js';

export interface K8sOptions {
  /** The container image with holoclip (and node) installed. */
  readonly image: string;
  /** The ReadWriteMany claim holding the suite, models, data, store and outputs. */
  readonly pvc: string;
  /** Where the claim is mounted in the pods: the same path as on this machine. */
  readonly mountPath: string;
  readonly namespace?: string;
  readonly cpusPerTask?: number;
  /** Memory per pod, a Kubernetes quantity (16Gi). */
  readonly mem?: string;
  readonly gpusPerTask?: number;
  /** Size requested by pvc.yaml (default 100Gi) and its storage class (default: the cluster's). */
  readonly storageSize?: string;
  readonly storageClass?: string;
  /** Retries of each failed index (default 2). */
  readonly backoffLimitPerIndex?: number;
}

export type Manifest = Record<string, unknown>;

export interface K8sManifests {
  readonly pvc: Manifest;
  readonly shards: Manifest;
  readonly aggregate: Manifest;
  readonly shardsName: string;
  readonly aggregateName: string;
}

/** A Kubernetes quantity (resource.Quantity): 100Gi, 1.5, 500m, 2e3. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Job name: a DNS-1123 label of at most 63 characters (it becomes the pods' job-name label). */
export function k8sJobName(suiteName: string, role: string): string {
  const base = suiteName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '') || 'suite';
  const head = `holoclip-${base}`.slice(0, 63 - role.length - 1).replace(/-+$/, '');
  return `${head}-${role}`;
}

function check(o: K8sOptions): void {
  if (!o.image || /\s/.test(o.image)) throw new HoloclipError(`--image ${JSON.stringify(o.image)}: expected a container image reference with holoclip installed (e.g. registry.example.org/holoclip:0.1.0)`);
  if (!DNS_LABEL.test(o.pvc) || o.pvc.length > 253) throw new HoloclipError(`--pvc ${o.pvc}: expected a PersistentVolumeClaim name (lower-case letters, digits and -)`);
  if (o.namespace !== undefined && (!DNS_LABEL.test(o.namespace) || o.namespace.length > 63)) throw new HoloclipError(`--namespace ${o.namespace}: expected a namespace name (lower-case letters, digits and -, at most 63)`);
  if (!o.mountPath.startsWith('/')) throw new HoloclipError(`--mount-path ${o.mountPath}: expected an absolute path`);
  for (const [flag, v] of [['--mem', o.mem], ['--storage-size', o.storageSize]] as const) {
    if (v !== undefined && !QUANTITY.test(v)) throw new HoloclipError(`${flag} ${v}: expected a Kubernetes quantity such as 16Gi or 500M`);
  }
  if (o.storageClass !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(o.storageClass)) throw new HoloclipError(`--storage-class ${o.storageClass}: expected a StorageClass name`);
}

function labels(spec: ClusterRunSpec, role: string): Record<string, string> {
  const suite = spec.suiteName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '').slice(0, 63).replace(/[^A-Za-z0-9]+$/, '') || 'suite';
  return { 'app.kubernetes.io/name': 'holoclip', 'app.kubernetes.io/component': role, 'holoclip.dev/suite': suite };
}

function metadata(name: string, spec: ClusterRunSpec, role: string, o: K8sOptions): Manifest {
  return { name, ...(o.namespace ? { namespace: o.namespace } : {}), labels: labels(spec, role) };
}

function resources(o: K8sOptions, gpus: boolean): Manifest | undefined {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (o.cpusPerTask !== undefined) requests.cpu = String(o.cpusPerTask);
  if (o.mem !== undefined) {
    requests.memory = o.mem;
    limits.memory = o.mem;
  }
  // Extended resources (GPUs) are set as limits; Kubernetes sets the request equal.
  if (gpus && o.gpusPerTask !== undefined && o.gpusPerTask > 0) limits['nvidia.com/gpu'] = String(o.gpusPerTask);
  const r: Manifest = {};
  if (Object.keys(requests).length > 0) r.requests = requests;
  if (Object.keys(limits).length > 0) r.limits = limits;
  return Object.keys(r).length > 0 ? r : undefined;
}

/** holoclip's --threads in a pod: --threads, else the CPUs requested (a container sees every core of its node). */
function threadArgs(spec: ClusterRunSpec, o: K8sOptions): string[] {
  return spec.threads === undefined && o.cpusPerTask !== undefined ? ['--threads', String(o.cpusPerTask)] : [];
}

function podSpec(spec: ClusterRunSpec, o: K8sOptions, script: string, gpus: boolean): Manifest {
  const res = resources(o, gpus);
  return {
    restartPolicy: 'Never',
    containers: [
      {
        name: 'holoclip',
        image: o.image,
        workingDir: spec.workdir,
        command: ['/bin/sh', '-c', script],
        ...(res ? { resources: res } : {}),
        volumeMounts: [{ name: 'holoclip-data', mountPath: o.mountPath }],
      },
    ],
    volumes: [{ name: 'holoclip-data', persistentVolumeClaim: { claimName: o.pvc } }],
  };
}

export function k8sManifests(spec: ClusterRunSpec, o: K8sOptions): K8sManifests {
  check(o);
  const shardsName = k8sJobName(spec.suiteName, 'shards');
  const aggregateName = k8sJobName(spec.suiteName, 'aggregate');
  const holoclip = shellJoin(spec.holoclip);
  const shardScript = `exec ${holoclip} ${shellJoin([...shardArgs(spec), ...threadArgs(spec, o)])} --shard "$((JOB_COMPLETION_INDEX + 1))/${spec.shards}"`;
  const aggregateScript = `exec ${holoclip} ${shellJoin([...aggregateArgs(spec), ...threadArgs(spec, o)])}`;
  const pvc: Manifest = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: o.pvc, ...(o.namespace ? { namespace: o.namespace } : {}), labels: { 'app.kubernetes.io/name': 'holoclip' } },
    spec: {
      accessModes: ['ReadWriteMany'],
      ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
      resources: { requests: { storage: o.storageSize ?? '100Gi' } },
    },
  };
  const shards: Manifest = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(shardsName, spec, 'shards', o),
    spec: {
      completionMode: 'Indexed',
      completions: spec.shards,
      parallelism: spec.shards,
      backoffLimitPerIndex: o.backoffLimitPerIndex ?? 2,
      template: { metadata: { labels: labels(spec, 'shards') }, spec: podSpec(spec, o, shardScript, true) },
    },
  };
  const aggregate: Manifest = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(aggregateName, spec, 'aggregate', o),
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 1,
      template: { metadata: { labels: labels(spec, 'aggregate') }, spec: podSpec(spec, o, aggregateScript, false) },
    },
  };
  return { pvc, shards, aggregate, shardsName, aggregateName };
}

/** submit.sh: apply the shards Job, wait for it (failing when it fails), then apply the aggregation Job. */
export function k8sSubmitScript(m: K8sManifests, files: { shards: string; aggregate: string }, namespace?: string): string {
  const ns = namespace ? ` -n ${shellQuote(namespace)}` : '';
  return [
    '#!/bin/bash',
    '# Runs the shards (an Indexed Job), waits until it completed, then runs the aggregation Job.',
    '# Jobs are immutable: a rerun deletes the previous ones first; finished units are kept in the store, so only',
    '# unfinished work is computed again. Apply pvc.yaml once beforehand if the claim does not exist yet.',
    'set -euo pipefail',
    `kubectl${ns} delete job ${m.shardsName} ${m.aggregateName} --ignore-not-found`,
    `kubectl${ns} apply -f ${shellQuote(files.shards)}`,
    'while true; do',
    `  state=$(kubectl${ns} get job ${m.shardsName} -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}')`,
    '  case "$state" in',
    '    *Complete*) break ;;',
    `    *Failed*) echo "job ${m.shardsName} failed: kubectl${ns} describe job ${m.shardsName}; kubectl${ns} logs job/${m.shardsName}" >&2; exit 1 ;;`,
    '  esac',
    '  sleep 10',
    'done',
    `kubectl${ns} apply -f ${shellQuote(files.aggregate)}`,
    `kubectl${ns} wait --for=condition=complete --timeout=-1s job/${m.aggregateName}`,
    '',
  ].join('\n');
}
