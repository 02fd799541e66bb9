/**
 * The overview parts of the report: header (with the "how computed" conventions), the models and their
 * factors, the one-row-per-model summary, "what differs between models", and the skipped units.
 */
import { FACTOR_NAMES, type SuiteModel } from '../results/types.js';
import { TASKS } from '../tasks/registry.js';
import { describeDifferences } from './differences.js';
import { html, modelNameHtml, paragraphs, rowClass, type ReportContext, type Section } from './kit/blocks.js';
import { escapeHtml } from './kit/html.js';
import { htmlCell, jsonPointer, measuredCell, pathCell, renderTable, textCell, type TableColumn } from './kit/tables.js';

/** Title block, suite facts, navigation and the conventions. */
export function headerHtml(ctx: ReportContext, sections: Section[]): string {
  const r = ctx.results;
  const facts = [
    `holoclip ${r.holoclip_version}`,
    `${r.models.length} model${r.models.length === 1 ? '' : 's'}`,
    `${r.datasets.length} dataset${r.datasets.length === 1 ? '' : 's'}`,
    `${r.tasks.length} task${r.tasks.length === 1 ? '' : 's'}`,
    `reference model: ${r.reference_model}`,
  ];
  const suiteFile = `suite file <code>${escapeHtml(r.suite.file)}</code> (sha256 <code>${escapeHtml(r.suite.sha256.slice(0, 12))}</code>)`;
  const nav = sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('');
  const conventions = Object.keys(r.conventions).length === 0 ? '' : `<details id="conventions-details"><summary>How the numbers were computed</summary>${conventionsHtml(r.conventions, 'conventions')}</details>`;
  return [
    '<header id="section-header">',
    `<h1>${escapeHtml(r.suite.name)}</h1>`,
    r.suite.description === null || r.suite.description === '' ? '' : `<p class="description">${escapeHtml(r.suite.description)}</p>`,
    `<p class="meta">${facts.map(escapeHtml).join(' · ')} · ${suiteFile}</p>`,
    `<nav class="toc">${nav}</nav>`,
    conventions,
    '</header>',
  ].join('\n');
}

/** The conventions as a definition list; nested objects become nested lists. */
export function conventionsHtml(value: Record<string, unknown>, id?: string): string {
  const items = Object.entries(value).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${conventionValueHtml(v)}</dd>`);
  return `<dl class="conventions"${id === undefined ? '' : ` id="${escapeHtml(id)}"`}>${items.join('')}</dl>`;
}

function conventionValueHtml(v: unknown): string {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return escapeHtml(String(v));
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return escapeHtml(v.map(String).join(', '));
  if (typeof v === 'object' && !Array.isArray(v)) return conventionsHtml(v as Record<string, unknown>);
  return `<code>${escapeHtml(JSON.stringify(v))}</code>`;
}

/** Models, their six factors (with where each value came from) and logit scale. */
export function modelsSection(ctx: ReportContext): Section {
  const r = ctx.results;
  const columns: TableColumn[] = [
    { group: '', header: 'model' },
    { group: '', header: 'type' },
    ...FACTOR_NAMES.map((f) => ({ group: 'factors', header: f, numeric: f === 'training_size' })),
    { group: '', header: 'logit scale', numeric: true },
    { group: '', header: 'logit bias', numeric: true },
  ];
  const rows = r.models.map((m, i) => {
    const source = (s: string): string => ` <span class="source${s === 'unknown' ? ' unknown' : ''}">${escapeHtml(s)}</span>`;
    const factorCells = FACTOR_NAMES.map((f) => {
      const v = m.metadata[f];
      const src = source(m.metadata_source[f] ?? 'unknown');
      if (typeof v === 'number') return pathCell(v, jsonPointer('models', i, 'metadata', f), 'count', src);
      return htmlCell(`${escapeHtml(v === null ? 'unknown' : String(v))}${src}`, v === null ? 'na' : undefined);
    });
    return {
      cells: [
        htmlCell(modelNameHtml(ctx, m.name)),
        textCell(`${m.model_type} (${m.kind})`),
        ...factorCells,
        pathCell(m.logit_scale, jsonPointer('models', i, 'logit_scale'), 'plain', ` <span class="source">${escapeHtml(m.logit_scale_source)}</span>`),
        pathCell(m.logit_bias, jsonPointer('models', i, 'logit_bias'), 'plain'),
      ],
      className: rowClass(ctx, m.name),
    };
  });
  return {
    id: 'section-models',
    title: 'Models',
    intro: paragraphs(
      `Each model and the factors of the paper it varies. The small note after each value says where it came from: the suite file, the model's card (holoclip.json), the model catalogue, or unknown. The suite file wins over the card, and the card over the catalogue: the catalogue fills only what a card naming its open_clip checkpoint lacks. The reference model (${r.reference_model}, highlighted) is the one every other model is compared with; charts label each model with the factors in which it differs from it.`,
      ...catalogNotes(r.models),
    ),
    blocks: [html(renderTable({ id: 'table-models', columns, rows }))],
  };
}

/** Which catalogue entry each model's `catalog` values come from. */
function catalogNotes(models: readonly SuiteModel[]): string[] {
  const used = models.flatMap((m) => {
    if (m.catalog === null) return [];
    const factors = FACTOR_NAMES.filter((f) => m.metadata_source[f] === 'catalog').join(', ');
    const entry = m.catalog.exact ? `catalogue entry ${m.catalog.entry}` : `the model's architecture (catalogue entry ${m.catalog.entry}; its own pretrained tag is not catalogued)`;
    return [`${m.name}: ${factors} from the ${entry}`];
  });
  return used.length === 0 ? [] : [`Values from the model catalogue (holoclip model catalog --json gives each fact's citation): ${used.join('; ')}.`];
}

/** One row per model: the headline numbers of every task (its summary columns); columns without any measurement are left out. */
export function summarySection(ctx: ReportContext): Section {
  const { q } = ctx;
  const columns = TASKS.flatMap((t) => t.report.summaryColumns?.(ctx) ?? []);
  const models = q.modelNames();
  const present = columns.filter((c) => models.some((m) => c.value(m) !== undefined));
  const table = renderTable({
    id: 'table-summary',
    columns: [{ group: '', header: 'model' }, ...present],
    rows: models.map((model) => ({
      cells: [htmlCell(modelNameHtml(ctx, model, true)), ...present.map((c) => measuredCell(c.value(model), c.kind))],
      className: rowClass(ctx, model),
    })),
  });
  return {
    id: 'section-summary',
    title: 'Summary',
    intro: paragraphs(
      'One row per model. Top-1 accuracy: higher is better. Effective robustness: accuracy under shift above (+) or below (−) what the baseline line predicts from in-distribution accuracy; higher is better. ECE: the gap between confidence and accuracy; lower is better. OOD AUROC: how well the score separates in-distribution from out-of-distribution images (0.5 = chance); higher is better. Shape bias: the fraction of shape (not texture) decisions on cue-conflict images. Retrieval R@1: the fraction of images whose caption ranks first.',
      'Means are over the sets named in the header (hover for the list), and n/a if any of them is n/a. A dash means nothing was measured (the unit does not apply or was skipped). Classifiers use their own head, so their zero-shot numbers do not depend on a prompt set.',
    ),
    blocks: [html(table)],
  };
}

/** The statements of differences.ts, per model, then the prompt-set comparisons. */
export function differencesSection(ctx: ReportContext): Section | undefined {
  const d = describeDifferences(ctx.results);
  if (d.models.length === 0 && d.prompts.length === 0) return undefined;
  const item = (heading: string, parts: string[]): string => `<li><strong>${escapeHtml(heading)}</strong>${parts.length > 0 ? `: ${escapeHtml(parts.join('; '))}` : ''}</li>`;
  const models = d.models.map((m) => item(m.heading, m.comparisons.length > 0 ? m.comparisons.map((c) => c.text) : ['no metric measured for both']));
  const prompts = d.prompts.map((p) => item(`prompts: ${p.prompts} vs ${p.reference_prompts} on ${p.model}`, [p.comparison.text]));
  const blocks = [html(`<ul class="differences" id="differences">\n${models.join('\n')}\n</ul>`)];
  if (prompts.length > 0) blocks.push(html(`<h3>Prompt sets</h3>\n<ul class="differences" id="prompt-differences">\n${prompts.join('\n')}\n</ul>`));
  return {
    id: 'section-differences',
    title: 'What differs between models',
    intro: paragraphs(
      `Each model against the reference (${d.reference}): the factors in which it differs, then its key metrics and the reference's, in that order; metrics either model lacks are left out. When a model differs in several factors, the difference cannot be attributed to one of them.`,
    ),
    blocks,
  };
}

/** Units that did not run, with the reason. */
export function skippedSection(ctx: ReportContext): Section | undefined {
  const skipped = ctx.results.skipped;
  if (skipped.length === 0) return undefined;
  const table = renderTable({
    id: 'table-skipped',
    columns: [{ group: '', header: 'model' }, { group: '', header: 'task' }, { group: '', header: 'reason' }],
    // "*": a unit of the whole task (e.g. an effective-robustness line that could not be fitted).
    rows: skipped.map((s) => ({ cells: [s.model === '*' ? textCell('all models', 'na') : htmlCell(modelNameHtml(ctx, s.model)), textCell(s.task), textCell(s.reason)] })),
  });
  return { id: 'section-skipped', title: 'Skipped', intro: paragraphs('Units that do not apply to a model, and why.'), blocks: [html(table)] };
}
