/**
 * One section per kind of measurement: accuracy per domain (zero-shot), effective robustness,
 * calibration, OOD detection, shape bias, retrieval and ImageNet-X factors. Each returns undefined when
 * results have no rows of its kind, so the report leaves the section out.
 */
import { chart, html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from './blocks.js';
import {
  effectiveRobustnessChart,
  groupedBarChart,
  promptComparisonChart,
  reliabilityChart,
  shapeBiasChart,
  shapeCategoryChart,
  type CategoryPoint,
  type ErPoint,
  type GroupedBarPoint,
  type PromptPoint,
  type ReliabilitySet,
} from './charts.js';
import { oodKeyScore } from './differences.js';
import { formatNumber } from './format.js';
import { escapeHtml } from './html.js';
import { single } from './results-query.js';
import { htmlCell, jsonPointer, measuredCell, pathCell, renderTable, textCell, type CellHtml, type TableColumn } from './tables.js';

const METRIC_NAMES: Record<string, string> = {
  top1: 'top-1',
  top5: 'top-5',
  mean_per_class_recall: 'mean per-class recall',
  ece: 'ECE',
  nll: 'NLL',
  brier: 'Brier',
  accuracy: 'accuracy',
  auroc: 'AUROC',
  fpr_at_95_tpr: 'FPR@95',
  aupr_in: 'AUPR-In',
  aupr_out: 'AUPR-Out',
  error_ratio: 'error ratio',
  image_to_text: 'image→text',
  text_to_image: 'text→image',
  clean_top1: 'clean top-1',
  mca: 'mCA',
  mce: 'mCE',
  relative_mce: 'relative mCE',
};

function metricName(metric: string): string {
  return METRIC_NAMES[metric] ?? metric;
}

// ---------------------------------------------------------------------------------------------------

/** Zero-shot accuracy per dataset: one bar chart per prompt set, prompt sets compared, and the tables. */
export function accuracySection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids } = ctx;
  const tasks = q.tasksOfType('zeroshot');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const datasets = q.datasetsOf(task, { metric: 'top1' });
    const promptSets = q.valuesOf(task, 'prompts');
    for (const prompts of promptSets.length > 0 ? promptSets : [null]) {
      const points: GroupedBarPoint[] = [];
      const models: string[] = [];
      for (const model of q.modelsOf(task)) {
        for (const dataset of datasets) {
          const row = q.promptedRow({ model, task, dataset, variant: null, metric: 'top1' }, prompts);
          if (row === undefined || row.value === null) continue;
          points.push({ category: dataset, series: styles.of(model).label, value: row.value });
          if (!models.includes(model)) models.push(model);
        }
      }
      const templates = prompts === null ? undefined : ctx.results.prompts[prompts]?.templates.length;
      const promptNote = prompts === null ? '' : ` with the "${prompts}" prompt set${templates === undefined ? '' : ` (${templates} template${templates === 1 ? '' : 's'})`}; classifiers use their own head`;
      blocks.push(
        chart(
          prompts === null ? ids.make('chart-accuracy', task) : ids.make('chart-accuracy', task, prompts),
          groupedBarChart(points, { categories: datasets, color: styles.scale(models), yTitle: 'top-1', xTitle: 'dataset' }),
          `Zero-shot top-1 accuracy per dataset${promptNote}. Higher is better.`,
        ),
      );
    }
    if (promptSets.length >= 2) blocks.push(promptChart(ctx, task, datasets, promptSets));
    blocks.push(...zeroshotTables(ctx, task, datasets));
  }
  return {
    id: 'section-accuracy',
    title: 'Accuracy per domain',
    intro: paragraphs(
      'Zero-shot top-1 accuracy on each dataset: the fraction of images whose highest-scoring class is the true one (higher is better). The in-distribution set and the shifted styles side by side show how much each model loses under shift.',
    ),
    blocks,
  };
}

function promptChart(ctx: ReportContext, task: string, datasets: string[], promptSets: string[]): Block {
  const { q, styles, ids } = ctx;
  const points: PromptPoint[] = [];
  const models: string[] = [];
  for (const model of q.modelsOf(task)) {
    for (const dataset of datasets) {
      for (const prompts of promptSets) {
        // Exact rows only: a classifier has no prompt sets to compare.
        const row = q.row({ model, task, dataset, prompts, variant: null, metric: 'top1' });
        if (row === undefined || row.value === null) continue;
        points.push({ dataset, prompts, series: styles.of(model).label, value: row.value });
        if (!models.includes(model)) models.push(model);
      }
    }
  }
  return chart(ids.make('chart-prompts', task), promptComparisonChart(points, datasets, promptSets, styles.scale(models)), `Top-1 per prompt set (${promptSets.join(' vs ')}), one panel per dataset, one line per model: the prompts factor. Each panel has its own y scale.`);
}

/** Per metric (top-1 first, the others folded): rows = model x prompt set, columns = datasets. */
function zeroshotTables(ctx: ReportContext, task: string, datasets: string[]): Block[] {
  const { q, ids } = ctx;
  const blocks: Block[] = [];
  for (const metric of q.valuesOf(task, 'metric')) {
    const rows = q.modelsOf(task).flatMap((model) => {
      const sets = q.valuesOf(task, 'prompts', { model });
      const views = sets.length > 0 ? sets : [null];
      return views.map((prompts, i) => ({
        cells: [
          ...(i === 0 ? [htmlCell(modelNameHtml(ctx, model), undefined, views.length)] : []),
          textCell(prompts ?? '(own head)', prompts === null ? 'na' : undefined),
          ...datasets.map((dataset) => measuredCell(single(q.row({ model, task, dataset, prompts, variant: null, metric })))),
        ],
        className: rowClass(ctx, model),
      }));
    });
    const table = renderTable({
      id: ids.make('table-zeroshot', task, metric),
      caption: `Zero-shot ${metricName(metric)} per dataset and prompt set.`,
      columns: [{ group: '', header: 'model' }, { group: '', header: 'prompts' }, ...datasets.map((d) => ({ group: metricName(metric), header: d, numeric: true }))],
      rows,
    });
    blocks.push(html(metric === 'top1' ? table : `<details><summary>${escapeHtml(metricName(metric))} table</summary>${table}</details>`));
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------------

/** ID vs shift scatter with the fitted line per shift dataset, and the tables of ER and of the fits. */
export function effectiveRobustnessSection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids, results } = ctx;
  const tasks = q.tasksOfType('effective-robustness');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const detailIndex = results.details.effective_robustness.findIndex((d) => d.task === task);
    const detail = results.details.effective_robustness[detailIndex];
    if (detail !== undefined) {
      for (const line of detail.lines) {
        const points: ErPoint[] = line.models.map((m) => ({ model: m.model, series: styles.of(m.model).label, id_top1: m.id_top1, shift_top1: m.shift_top1 }));
        const caption =
          `${line.shift_dataset} vs ${detail.id_dataset}: each model's top-1 on the shifted set against its in-distribution top-1, on ${detail.transform === 'none' ? 'linear' : `${detail.transform}-scaled`} axes. ` +
          `The dashed line is fitted on the ${detail.baselines.length} baseline model${detail.baselines.length === 1 ? '' : 's'} (slope ${formatNumber(line.slope, 'fraction')}, intercept ${formatNumber(line.intercept, 'fraction')}, R² ${formatNumber(line.r2, 'fraction')}); the dotted line (where in range) is y = x. ` +
          'A model above the fitted line has positive effective robustness.';
        blocks.push(chart(ids.make('chart-er', task, line.shift_dataset), effectiveRobustnessChart(points, line, detail.transform, { id: detail.id_dataset, shift: line.shift_dataset }, styles.scale(line.models.map((m) => m.model))), caption));
      }
    }
    blocks.push(html(erTable(ctx, task)));
    if (detail !== undefined) blocks.push(html(erFitTable(ctx, detailIndex)));
  }
  return {
    id: 'section-effective-robustness',
    title: 'Effective robustness',
    intro: paragraphs(
      'Accuracy under shift usually follows in-distribution accuracy along a line (in logit space, Taori et al. 2020). Effective robustness is how far a model lies above (+) or below (−) the line fitted on the baseline models: the accuracy it keeps under shift beyond what its in-distribution accuracy predicts. Higher is better.',
    ),
    blocks,
  };
}

function erTable(ctx: ReportContext, task: string): string {
  const { q, ids } = ctx;
  const shifts = q.datasetsOf(task, { metric: 'effective_robustness' });
  const parts = [
    ['shift_top1', 'top-1'],
    ['predicted_top1', 'predicted'],
    ['effective_robustness', 'ER'],
  ] as const;
  const columns: TableColumn[] = [
    { group: '', header: 'model' },
    { group: '', header: 'ID top-1', numeric: true },
    ...shifts.flatMap((s) => parts.map(([, h]) => ({ group: s, header: h, numeric: true }))),
    { group: '', header: 'mean ER', numeric: true, title: shifts.join(', ') },
  ];
  const rows = q.modelsOf(task).map((model) => {
    const get = (dataset: string, metric: string): ReturnType<typeof single> => single(q.rows({ model, task, dataset, variant: null, metric })[0]);
    return {
      cells: [
        htmlCell(modelNameHtml(ctx, model, true)),
        // The ID accuracy is repeated in every shift's rows; the first shift's row is shown.
        measuredCell(shifts.length > 0 ? get(shifts[0], 'id_top1') : undefined),
        ...shifts.flatMap((s) => parts.map(([metric]) => measuredCell(get(s, metric)))),
        measuredCell(q.over({ model, task, variant: null, metric: 'effective_robustness' }, shifts)),
      ],
      className: rowClass(ctx, model),
    };
  });
  return renderTable({ id: ids.make('table-er', task), caption: 'Top-1 on each shifted set, the top-1 the baseline line predicts from the model\'s ID top-1, and their difference (effective robustness).', columns, rows });
}

function erFitTable(ctx: ReportContext, detailIndex: number): string {
  const detail = ctx.results.details.effective_robustness[detailIndex];
  const ptr = (j: number, field: string): string => jsonPointer('details', 'effective_robustness', detailIndex, 'lines', j, field);
  return renderTable({
    id: ctx.ids.make('table-er-fit', detail.task),
    caption: `Baseline fits: ${detail.transform}(shift top-1) = slope × ${detail.transform}(ID top-1) + intercept, least squares over the baseline models (${detail.baselines.join(', ')}).`,
    columns: [
      { group: '', header: 'shift dataset' },
      { group: '', header: 'slope', numeric: true },
      { group: '', header: 'intercept', numeric: true },
      { group: '', header: 'R²', numeric: true },
    ],
    rows: detail.lines.map((line, j) => ({
      cells: [textCell(line.shift_dataset), pathCell(line.slope, ptr(j, 'slope'), 'fraction'), pathCell(line.intercept, ptr(j, 'intercept'), 'fraction'), pathCell(line.r2, ptr(j, 'r2'), 'fraction')],
    })),
  });
}

// ---------------------------------------------------------------------------------------------------

/** Reliability diagrams (one chart per model, one panel per set) and the ECE / NLL / Brier table. */
export function calibrationSection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids, results } = ctx;
  const tasks = q.tasksOfType('calibration');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const idDataset = calibrationIdDataset(ctx, task);
    const details = results.details.calibration.filter((d) => d.task === task);
    for (const model of q.modelNames()) {
      const detail = details.find((d) => d.model === model);
      if (detail === undefined) continue;
      const sets: ReliabilitySet[] = Object.entries(detail.sets).map(([name, s]) => ({ title: setTitle(name, idDataset), before: s.before, after: s.after }));
      const caption = `${model}: accuracy against mean confidence in each of ${detail.bins} confidence bins, before and after temperature scaling (T = ${formatNumber(detail.temperature, 'plain')}); dot area is the number of images in the bin. On the dotted diagonal a model is perfectly calibrated; below it, overconfident.`;
      blocks.push(chart(ids.make('chart-reliability', task, model), reliabilityChart(sets, styles.of(model).label), caption));
    }
    blocks.push(html(calibrationTable(ctx, task, idDataset)));
  }
  return {
    id: 'section-calibration',
    title: 'Calibration',
    intro: paragraphs(
      'Whether a model\'s confidence matches its accuracy. ECE (expected calibration error): the mean gap between confidence and accuracy over confidence bins, weighted by bin size; NLL: negative log-likelihood of the true class; Brier: squared error of the predicted probabilities. Lower is better for all three.',
      'Temperature scaling divides the logits by one temperature T fitted on held-out in-distribution images; the same T is then applied to the shifted sets, so "after" on a shifted set shows whether the fix transfers under shift.',
    ),
    blocks,
  };
}

/** The ID dataset of a calibration task: where its temperature row is, else the task's `dataset`. */
function calibrationIdDataset(ctx: ReportContext, task: string): string | undefined {
  const t = ctx.q.rows({ task, metric: 'temperature' })[0];
  if (t !== undefined) return t.dataset;
  const config = ctx.results.tasks.find((x) => x.id === task)?.config.dataset;
  return typeof config === 'string' ? config : undefined;
}

/** Reliability panel titles: the ID set (keyed "id" or by its name) is marked as the held-out ID part. */
function setTitle(name: string, idDataset: string | undefined): string {
  if (name === 'id') return `${idDataset ?? 'ID'} (ID, held out)`;
  return name === idDataset ? `${name} (ID, held out)` : name;
}

function calibrationTable(ctx: ReportContext, task: string, idDataset: string | undefined): string {
  const { q, ids } = ctx;
  const sets = q.calibrationSets(task, { metric: 'ece' });
  const metrics = ['ece', 'nll', 'brier'];
  const columns: TableColumn[] = [
    { group: '', header: 'model' },
    { group: '', header: 'T', numeric: true, title: 'fitted temperature' },
    { group: '', header: 'set' },
    ...metrics.flatMap((m) => ['before', 'after'].map((v) => ({ group: metricName(m), header: v, numeric: true }))),
    { group: '', header: 'accuracy', numeric: true },
  ];
  const rows = q.modelsOf(task).flatMap((model) => {
    const temperature = single(q.rows({ model, task, metric: 'temperature' })[0]);
    return sets.map((dataset, i) => {
      const get = (variant: string, metric: string): ReturnType<typeof single> => single(q.rows({ model, task, dataset, variant, metric })[0]);
      const lead: CellHtml[] = i === 0 ? [htmlCell(modelNameHtml(ctx, model), undefined, sets.length), measuredCell(temperature, 'plain', sets.length)] : [];
      return {
        cells: [...lead, textCell(dataset === idDataset ? `${dataset} (ID)` : dataset), ...metrics.flatMap((m) => ['before', 'after'].map((v) => measuredCell(get(v, m)))), measuredCell(get('before', 'accuracy'))],
        className: rowClass(ctx, model),
      };
    });
  });
  return renderTable({ id: ids.make('table-calibration', task), caption: 'Before and after temperature scaling; lower is better. Accuracy does not change with the temperature.', columns, rows });
}

// ---------------------------------------------------------------------------------------------------

/** AUROC per OOD set (chart, key score) and AUROC / FPR@95 per model x set x score (table). */
export function oodSection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids } = ctx;
  const tasks = q.tasksOfType('ood');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const sets = q.datasetsOf(task, { metric: 'auroc' });
    const scores = q.valuesOf(task, 'variant', { metric: 'auroc' });
    const key = oodKeyScore(q, task);
    if (key !== undefined) {
      const points: GroupedBarPoint[] = [];
      const models: string[] = [];
      for (const model of q.modelsOf(task)) {
        for (const dataset of sets) {
          const row = q.rows({ model, task, dataset, variant: key, metric: 'auroc' })[0];
          if (row === undefined || row.value === null) continue;
          points.push({ category: dataset, series: styles.of(model).label, value: row.value });
          if (!models.includes(model)) models.push(model);
        }
      }
      blocks.push(chart(ids.make('chart-ood', task), groupedBarChart(points, { categories: sets, color: styles.scale(models), yTitle: `AUROC (${key})`, xTitle: 'OOD set' }), `OOD detection AUROC per OOD set with the ${key} score. 0.5 is chance; higher is better.`));
    }
    const columns: TableColumn[] = [
      { group: '', header: 'model' },
      { group: '', header: 'ID top-1', numeric: true },
      { group: '', header: 'score' },
      ...sets.flatMap((s) => [
        { group: s, header: 'AUROC', numeric: true },
        { group: s, header: 'FPR@95', numeric: true, title: 'false-positive rate at 95% true-positive rate' },
      ]),
    ];
    const rows = q.modelsOf(task).flatMap((model) => {
      const own = scores.filter((s) => q.rows({ model, task, variant: s }).length > 0);
      const idTop1 = single(q.rows({ model, task, variant: null, metric: 'id_top1' })[0]);
      return own.map((score, i) => ({
        cells: [
          ...(i === 0 ? [htmlCell(modelNameHtml(ctx, model), undefined, own.length), measuredCell(idTop1, undefined, own.length)] : []),
          textCell(score),
          ...sets.flatMap((dataset) => ['auroc', 'fpr_at_95_tpr'].map((metric) => measuredCell(single(q.rows({ model, task, dataset, variant: score, metric })[0])))),
        ],
        className: rowClass(ctx, model),
      }));
    });
    blocks.push(html(renderTable({ id: ids.make('table-ood', task), caption: 'AUROC: higher is better. FPR@95: the fraction of OOD images accepted when 95% of ID images are; lower is better. ID top-1 is the accuracy on the in-distribution set.', columns, rows })));
  }
  return {
    id: 'section-ood',
    title: 'Out-of-distribution detection',
    intro: paragraphs(
      'How well a score computed from the model\'s outputs tells in-distribution images from images of classes it does not know. MSP: the maximum softmax probability; MaxLogit: the maximum logit; Energy: the log-sum-exp of the logits; MCM: the maximum softmax of the raw cosine similarities (two-tower models only).',
    ),
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------------

/** Shape bias per model (chart and table) and per shape category (chart and table, from the details). */
export function shapeBiasSection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids, results } = ctx;
  const tasks = q.tasksOfType('shape-bias');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const models = q.modelsOf(task);
    const bias = (model: string): ReturnType<typeof single> => single(q.rows({ model, task, variant: null, metric: 'shape_bias' })[0]);
    const bars = models.flatMap((m) => {
      const v = bias(m)?.value;
      return v === null || v === undefined ? [] : [{ model: m, series: styles.of(m).label, value: v }];
    });
    const barModels = bars.map((b) => b.model);
    blocks.push(chart(ids.make('chart-shape-bias', task), shapeBiasChart(bars, styles.scale(barModels)), 'Shape bias per model: of the cue-conflict decisions that match either the shape or the texture, the fraction that match the shape. 1 = decides by shape only, 0 = by texture only.'));

    const details = results.details.shape_bias.map((d, i) => ({ d, i })).filter(({ d }) => d.task === task);
    const categories = [...new Set(details.flatMap(({ d }) => Object.keys(d.per_category)))];
    if (categories.length > 0) {
      const points: CategoryPoint[] = [];
      const catModels: string[] = [];
      for (const model of q.modelNames()) {
        const found = details.find(({ d }) => d.model === model);
        if (found === undefined) continue;
        for (const category of categories) {
          const v = found.d.per_category[category];
          if (v === null || v === undefined) continue;
          points.push({ category, series: styles.of(model).label, value: v });
          if (!catModels.includes(model)) catModels.push(model);
        }
      }
      blocks.push(chart(ids.make('chart-shape-categories', task), shapeCategoryChart(points, categories, styles.scale(catModels)), 'Shape bias per shape category, one dot per model.'));
    }

    const counts = ['shape_decisions', 'texture_decisions', 'other_decisions'];
    blocks.push(
      html(
        renderTable({
          id: ids.make('table-shape-bias', task),
          caption: 'Shape bias and the decision counts it comes from; "other" decisions match neither the shape nor the texture class.',
          columns: [{ group: '', header: 'model' }, { group: '', header: 'shape bias', numeric: true }, ...counts.map((c) => ({ group: 'decisions', header: c.replace('_decisions', ''), numeric: true }))],
          rows: models.map((model) => ({
            cells: [htmlCell(modelNameHtml(ctx, model, true)), measuredCell(bias(model)), ...counts.map((metric) => measuredCell(single(q.rows({ model, task, variant: null, metric })[0])))],
            className: rowClass(ctx, model),
          })),
        }),
      ),
    );
    if (categories.length > 0) {
      const withDetail = q.modelNames().flatMap((m) => details.filter(({ d }) => d.model === m));
      const table = renderTable({
        id: ids.make('table-shape-categories', task),
        caption: 'Shape bias per shape category.',
        columns: [{ group: '', header: 'category' }, ...withDetail.map(({ d }) => ({ group: '', header: d.model, numeric: true }))],
        rows: categories.map((category) => ({
          cells: [
            textCell(category),
            ...withDetail.map(({ d, i }) => (category in d.per_category ? pathCell(d.per_category[category], jsonPointer('details', 'shape_bias', i, 'per_category', category), 'fraction') : htmlCell('—', 'missing'))),
          ],
        })),
      });
      blocks.push(html(`<details><summary>Per-category table</summary>${table}</details>`));
    }
  }
  return {
    id: 'section-shape-bias',
    title: 'Shape bias',
    intro: paragraphs('On cue-conflict images (the shape of one class with the texture of another), does the model follow the shape or the texture? Humans decide almost always by shape; image models mostly by texture. A higher shape bias is usually associated with more robust models.'),
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------------

/** Recall@K per model, direction and K. */
export function retrievalSection(ctx: ReportContext): Section | undefined {
  const { q, ids } = ctx;
  const tasks = q.tasksOfType('retrieval');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    const datasets = q.datasetsOf(task);
    const variants = q.valuesOf(task, 'variant');
    const metrics = q.valuesOf(task, 'metric');
    const groups = datasets.flatMap((dataset) => variants.map((variant) => ({ dataset, variant })));
    const columns: TableColumn[] = [
      { group: '', header: 'model' },
      ...groups.flatMap(({ dataset, variant }) => metrics.map((m) => ({ group: datasets.length > 1 ? `${dataset}: ${metricName(variant)}` : metricName(variant), header: m, numeric: true }))),
    ];
    const rows = q.modelsOf(task).map((model) => ({
      cells: [htmlCell(modelNameHtml(ctx, model, true)), ...groups.flatMap(({ dataset, variant }) => metrics.map((metric) => measuredCell(single(q.rows({ model, task, dataset, variant, metric })[0]))))],
      className: rowClass(ctx, model),
    }));
    blocks.push(html(renderTable({ id: ids.make('table-retrieval', task), caption: `Recall@K on ${datasets.join(', ')}; higher is better.`, columns, rows })));
  }
  return {
    id: 'section-retrieval',
    title: 'Retrieval',
    intro: paragraphs('Image-text retrieval: for each image (image→text) or caption (text→image), whether a matching item is among the K most similar. Recall@K is the fraction of queries that hit; higher is better.'),
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------------

/** ImageNet-X factors: per factor, each model's accuracy and error ratio; first the overall accuracy. */
export function factorsSection(ctx: ReportContext): Section | undefined {
  const { q, ids } = ctx;
  const tasks = q.tasksOfType('factors');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    const models = q.modelsOf(task);
    const factors = q.valuesOf(task, 'variant');
    // Per-factor metrics (accuracy, error_ratio); the overall accuracy (variant null) gets its own row.
    const metrics = [...new Set(q.rows({ task }).filter((r) => r.variant !== null).map((r) => r.metric))];
    const columns: TableColumn[] = [{ group: '', header: 'factor' }, ...models.flatMap((m) => metrics.map((metric) => ({ group: m, header: metricName(metric), numeric: true })))];
    const rows: Array<{ cells: CellHtml[]; className?: string }> = [];
    if (q.rows({ task, metric: 'overall_accuracy' }).length > 0) {
      rows.push({
        cells: [
          textCell('all annotated images'),
          ...models.flatMap((model) => metrics.map((metric) => (metric === 'accuracy' ? measuredCell(single(q.rows({ model, task, variant: null, metric: 'overall_accuracy' })[0])) : htmlCell('', 'missing')))),
        ],
        className: 'overall',
      });
    }
    for (const factor of factors) {
      rows.push({ cells: [textCell(factor), ...models.flatMap((model) => metrics.map((metric) => measuredCell(single(q.rows({ model, task, variant: factor, metric })[0]))))] });
    }
    blocks.push(html(renderTable({ id: ids.make('table-factors', task), caption: `ImageNet-X factors on ${q.datasetsOf(task).join(', ')}.`, columns, rows })));
  }
  return {
    id: 'section-factors',
    title: 'Visual factors (ImageNet-X)',
    intro: paragraphs('Accuracy on the images annotated with each visual factor (pose, background, lighting...), and the error ratio: the error rate on those images over the overall error rate. An error ratio above 1 means the factor hurts; lower is better.'),
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------------

/** Corruption robustness: per model, clean top-1, mean top-1 per corruption, mCA and (with a reference) mCE. */
export function corruptionSection(ctx: ReportContext): Section | undefined {
  const { q, ids } = ctx;
  const tasks = q.tasksOfType('corruption');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    const models = q.modelsOf(task);
    // Corruptions are the variants of the per-corruption rows (mean_top1), in first-seen order.
    const corruptions = [...new Set(q.rows({ task, metric: 'mean_top1' }).map((r) => r.variant).filter((v): v is string => v !== null))];
    const summary = ['clean_top1', 'mca', 'mce', 'relative_mce'].filter((metric) => q.rows({ task, metric }).some((r) => r.value !== null));
    const columns: TableColumn[] = [
      { group: '', header: 'model' },
      ...summary.map((metric) => ({ group: 'summary', header: metricName(metric), numeric: true })),
      ...corruptions.map((c) => ({ group: 'mean top-1 over severities', header: c, numeric: true })),
    ];
    const rows = models.map((model) => ({
      cells: [
        htmlCell(modelNameHtml(ctx, model, true)),
        ...summary.map((metric) => measuredCell(single(q.rows({ model, task, variant: null, metric })[0]))),
        ...corruptions.map((c) => measuredCell(single(q.rows({ model, task, variant: c, metric: 'mean_top1' })[0]))),
      ],
      className: rowClass(ctx, model),
    }));
    blocks.push(html(renderTable({ id: ids.make('table-corruption', task), caption: `Corruptions of ${q.datasetsOf(task).join(', ')}: top-1 (higher is better); mCE relative to the reference errors (lower is better, the reference model = 1).`, columns, rows })));
  }
  return {
    id: 'section-corruption',
    title: 'Corruptions',
    intro: paragraphs('Zero-shot accuracy on corrupted versions of the data (ImageNet-C and 3D common corruptions, generated on the fly and seeded per image): the clean top-1, the mean corruption accuracy (mCA, mean over corruptions of the mean over severities), and, given a reference model\'s errors, the mean corruption error (mCE) and relative mCE.'),
    blocks,
  };
}
