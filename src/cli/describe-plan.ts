/** The plan of a resolved suite as `holoclip suite check` and `holoclip run` print it, and paths shown relative to the cwd. */
import path from 'node:path';
import type { ResolvedSuite } from '../suite/load-suite.js';
import { planSuite } from '../suite/plan.js';

/** `p` relative to the working directory when it lies under it ('.' for the directory itself), else as given. */
export function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') ? p : r;
}

/** The suite's models, tasks, unit counts, store, output folder and the (model, task) pairs skipped, one per line. */
export function describePlan(suite: ResolvedSuite): string {
  const plan = planSuite(suite);
  const lines = [
    `suite ${suite.name} (${rel(suite.file)}): ${suite.models.length} models, ${suite.datasets.size} datasets, ${suite.prompts.size} prompt sets, ${suite.tasks.length} tasks`,
    `  models      ${suite.models.map((m) => `${m.name}${m.kind === 'classifier' ? ' (classifier)' : ''}`).join(', ')}`,
    `  tasks       ${suite.tasks.map((t) => `${t.id} (${t.type})`).join(', ')}`,
    `  units       ${plan.embedding.length} embedding (model x dataset, and x corruption), ${plan.metric.length} metric (model x task)${plan.skipped.length ? `, ${plan.skipped.length} not applicable` : ''}`,
    `  store       ${rel(suite.store)}`,
    `  out         ${rel(suite.out)}`,
  ];
  for (const s of plan.skipped) lines.push(`  skipped     ${s.model} / ${s.task}: ${s.reason}`);
  return `${lines.join('\n')}\n`;
}
