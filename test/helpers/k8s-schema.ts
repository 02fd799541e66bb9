/**
 * The Kubernetes API's rules for the objects `holoclip run --emit k8s` writes, as zod schemas: batch/v1 Job and
 * v1 PersistentVolumeClaim, for the fields holoclip uses (any other field is rejected, as `kubectl apply
 * --validate=strict` rejects unknown fields). No JSON Schema of the Kubernetes API is installed in this project
 * (no kubernetes-types / kubernetes-json-schema package in node_modules), so the rules are written down from
 * Kubernetes v1.33: the OpenAPI definitions io.k8s.api.batch.v1.{Job,JobSpec}, io.k8s.api.core.v1.{PodTemplateSpec,
 * PodSpec,Container,ResourceRequirements,VolumeMount,Volume,PersistentVolumeClaimVolumeSource,PersistentVolumeClaim,
 * PersistentVolumeClaimSpec} and the server-side validation in pkg/apis/batch/validation/validation.go (ValidateJob:
 * Indexed jobs need completions, at most 100000 completions/parallelism; backoffLimitPerIndex only for Indexed jobs
 * and restartPolicy Never; job name at most 63 characters because it becomes the job-name label) and
 * pkg/apis/core/validation/validation.go (DNS-1123 names, label syntax, restartPolicy Never|OnFailure for Jobs,
 * resource quantities, extended resources integer with requests = limits, volume mounts naming a volume).
 */
import { z } from 'zod';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

const dnsLabel = z.string().max(63).regex(DNS1123_LABEL, 'a DNS-1123 label');
const dnsSubdomain = z.string().max(253).regex(DNS1123_SUBDOMAIN, 'a DNS-1123 subdomain');

const labelKey = z.string().refine((k) => {
  const slash = k.indexOf('/');
  const prefix = slash >= 0 ? k.slice(0, slash) : null;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  return (prefix === null || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix))) && name.length <= 63 && QUALIFIED_NAME.test(name);
}, 'a label key ([prefix/]name)');
const labelValue = z.string().max(63).refine((v) => v === '' || QUALIFIED_NAME.test(v), 'a label value');
const labels = z.record(labelKey, labelValue);

const quantity = z.string().regex(QUANTITY, 'a resource quantity');
const resourceName = z.string().refine((n) => /^(cpu|memory|ephemeral-storage|hugepages-\w+)$/.test(n) || /^[a-z0-9.-]+\/[A-Za-z0-9._-]+$/.test(n), 'a resource name');
const resourceList = z.record(resourceName, quantity);

const resources = z
  .strictObject({ requests: resourceList.optional(), limits: resourceList.optional() })
  .superRefine((r, ctx) => {
    for (const name of new Set([...Object.keys(r.requests ?? {}), ...Object.keys(r.limits ?? {})])) {
      if (!name.includes('/') || name.startsWith('kubernetes.io/')) continue;
      // Extended resources: integers, no overcommit (a request, if set, equals the limit), and a limit is required.
      for (const v of [r.requests?.[name], r.limits?.[name]]) if (v !== undefined && !/^\d+$/.test(v)) ctx.addIssue({ code: 'custom', message: `${name}: extended resources must be integers` });
      if (r.limits?.[name] === undefined) ctx.addIssue({ code: 'custom', message: `${name}: an extended resource needs a limit` });
      if (r.requests?.[name] !== undefined && r.requests[name] !== r.limits?.[name]) ctx.addIssue({ code: 'custom', message: `${name}: requests must equal limits` });
    }
  });

const container = z.strictObject({
  name: dnsLabel,
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  env: z.array(z.strictObject({ name: z.string().min(1), value: z.string().optional() })).optional(),
  resources: resources.optional(),
  volumeMounts: z.array(z.strictObject({ name: z.string().min(1), mountPath: z.string().min(1), readOnly: z.boolean().optional(), subPath: z.string().optional() })).optional(),
});

const volume = z.strictObject({
  name: dnsLabel,
  persistentVolumeClaim: z.strictObject({ claimName: z.string().min(1), readOnly: z.boolean().optional() }),
});

const podSpec = z
  .strictObject({
    restartPolicy: z.enum(['Never', 'OnFailure']),
    containers: z.array(container).min(1),
    volumes: z.array(volume).optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    serviceAccountName: dnsSubdomain.optional(),
  })
  .superRefine((p, ctx) => {
    const volumes = new Set((p.volumes ?? []).map((v) => v.name));
    if (volumes.size !== (p.volumes ?? []).length) ctx.addIssue({ code: 'custom', message: 'volume names must be unique' });
    const names = new Set(p.containers.map((c) => c.name));
    if (names.size !== p.containers.length) ctx.addIssue({ code: 'custom', message: 'container names must be unique' });
    for (const c of p.containers) {
      const paths = new Set<string>();
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name)) ctx.addIssue({ code: 'custom', message: `container ${c.name}: volumeMount ${m.name} names no volume` });
        if (paths.has(m.mountPath)) ctx.addIssue({ code: 'custom', message: `container ${c.name}: mountPath ${m.mountPath} used twice` });
        paths.add(m.mountPath);
      }
    }
  });

const objectMeta = z.strictObject({ name: dnsSubdomain, namespace: dnsLabel.optional(), labels: labels.optional(), annotations: z.record(z.string(), z.string()).optional() });

const nonNegativeInt = z.number().int().min(0);

/** batch/v1 Job (Kubernetes v1.33). */
export const k8sJobSchema = z
  .strictObject({
    apiVersion: z.literal('batch/v1'),
    kind: z.literal('Job'),
    metadata: objectMeta.extend({ name: dnsSubdomain.max(63, 'a Job name is at most 63 characters (it becomes the job-name label)') }),
    spec: z.strictObject({
      completionMode: z.enum(['NonIndexed', 'Indexed']).optional(),
      completions: nonNegativeInt.optional(),
      parallelism: nonNegativeInt.optional(),
      backoffLimit: nonNegativeInt.optional(),
      backoffLimitPerIndex: nonNegativeInt.optional(),
      maxFailedIndexes: nonNegativeInt.optional(),
      activeDeadlineSeconds: z.number().int().positive().optional(),
      ttlSecondsAfterFinished: nonNegativeInt.optional(),
      template: z.strictObject({ metadata: z.strictObject({ labels: labels.optional(), annotations: z.record(z.string(), z.string()).optional() }).optional(), spec: podSpec }),
    }),
  })
  .superRefine((job, ctx) => {
    const s = job.spec;
    if (s.completionMode === 'Indexed') {
      if (s.completions === undefined) ctx.addIssue({ code: 'custom', message: 'spec.completions: required when completionMode is Indexed' });
      if ((s.completions ?? 0) > 100000) ctx.addIssue({ code: 'custom', message: 'spec.completions: at most 100000 for an Indexed Job' });
      if ((s.parallelism ?? 0) > 100000) ctx.addIssue({ code: 'custom', message: 'spec.parallelism: at most 100000 for an Indexed Job' });
    }
    if (s.backoffLimitPerIndex !== undefined || s.maxFailedIndexes !== undefined) {
      if (s.completionMode !== 'Indexed') ctx.addIssue({ code: 'custom', message: 'spec.backoffLimitPerIndex / maxFailedIndexes: only for completionMode Indexed' });
      if (s.template.spec.restartPolicy !== 'Never') ctx.addIssue({ code: 'custom', message: 'spec.backoffLimitPerIndex: requires template.spec.restartPolicy Never' });
    }
    if (s.maxFailedIndexes !== undefined && s.backoffLimitPerIndex === undefined) ctx.addIssue({ code: 'custom', message: 'spec.maxFailedIndexes: requires backoffLimitPerIndex' });
  });

/** v1 PersistentVolumeClaim (Kubernetes v1.33). */
export const k8sPvcSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('PersistentVolumeClaim'),
  metadata: objectMeta,
  spec: z.strictObject({
    accessModes: z.array(z.enum(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'])).min(1),
    storageClassName: z.string().optional(),
    resources: z.strictObject({ requests: z.strictObject({ storage: quantity }) }),
  }),
});
