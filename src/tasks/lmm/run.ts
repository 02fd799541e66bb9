/**
 * `eval lmm`: ImageNet-D's LMM protocol on any labelled dataset. The surrogate (the run's model) scores every image
 * from the store; each image becomes one question (true class + the surrogate's top-1 if wrong, else its top-2),
 * asked of a multimodal LLM through its server; answers are cached content-addressed in the store, labelled as
 * compute_accuracy.py labels them, and scored next to CLIP's 2-way and full zero-shot choices on the same images.
 */
import path from 'node:path';
import { TarHandles, readItemBytes } from '../../data/item-bytes.js';
import type { DatasetItem } from '../../data/index.js';
import { HoloclipError, ImageReadError, errorMessage } from '../../errors.js';
import { templateConventions } from '../../head/text-classifier.js';
import { labelAnswer, IMAGENET_D_SYNONYMS, IMAGENET_D_OVERLAPPING_PAIRS, type AnswerLabel, type LabelCounts } from '../../lmm/answer-matching.js';
import { AnswerCache, answerKey, type CachedAnswer } from '../../lmm/answer-cache.js';
import { askPool } from '../../lmm/ask-pool.js';
import type { LmmBackend, LmmIdentity, Sampling } from '../../lmm/backend.js';
import { imagePayload } from '../../lmm/image-payload.js';
import { OpenAiBackend } from '../../lmm/openai-backend.js';
import { buildQuestions, IMAGENET_D_QUESTION, twoWayCorrect, type OptionOrder, type Question } from '../../lmm/questions.js';
import { scoreQuestions, type LmmScores } from '../../lmm/scores.js';
import { sha256 } from '../../store/hash.js';
import type { TaskInput } from '../definition.js';
import type { ItemFailure } from '../../pipeline/embed-images.js';
import { writeFailures, writeJsonlAtomic, writeResult, type ResultEnvelope } from '../result-envelope.js';

export interface LmmSettings {
  readonly endpoint: string;
  readonly lmm?: string;
  readonly backend: 'openai';
  readonly api_key_env: string;
  readonly concurrency: number;
  readonly timeout_s: number;
  readonly retries: number;
  readonly retry_backoff_s: number;
  readonly temperature: number;
  readonly max_tokens: number;
  readonly seed: number;
  readonly option_order: OptionOrder;
  readonly limit?: number;
}

export type LmmMetrics = LmmScores & { subsets?: Record<string, LmmScores> };
export type LmmResult = ResultEnvelope<LmmMetrics> & { lmm: { backend: string; endpoint: string; model: string; identity: Record<string, unknown> } };

/** The backend a run talks to (one kind today). */
export function openBackend(s: LmmSettings, warn: (m: string) => void): LmmBackend {
  const apiKey = process.env[s.api_key_env];
  return new OpenAiBackend({ endpoint: s.endpoint, model: s.lmm, apiKey: apiKey === '' ? undefined : apiKey, timeoutMs: s.timeout_s * 1000, retries: s.retries, backoffMs: s.retry_backoff_s * 1000, onRetry: warn });
}

function countsText(c: LabelCounts): string {
  return `TRUE ${c.TRUE} FALSE ${c.FALSE} DOUBLE ${c.DOUBLE} TODO ${c.TODO}`;
}

interface Prepared {
  readonly question: Question;
  readonly item: DatasetItem;
  readonly key: string;
  readonly imageSha256: string;
}

export async function runLmm(input: TaskInput<LmmSettings>): Promise<LmmResult> {
  const tStart = performance.now();
  const s = input.settings;
  const { dataset } = input.data.one('dataset');
  const ctx = input.context;
  const progress = ctx.options.progress;
  if (dataset.corruption) throw new HoloclipError(`lmm asks about the image files themselves; ${dataset.source} is a corrupted dataset (corruption: ${dataset.corruption.spec.name}), which the task does not support`);
  const c = dataset.classnames.length;
  if (c < 2) throw new HoloclipError(`lmm needs at least two classes to build a question; ${dataset.source} has ${c}`);

  // 1. The surrogate's logits, from the store (embedded once per model and dataset, like every task).
  const head = await ctx.classifier(dataset.classnames, input.templates.templates);
  const set = await ctx.embed(dataset);
  const logits = ctx.logits(set, head);
  const n = Math.min(set.n, s.limit ?? set.n);
  const items = set.ok.slice(0, n);
  const questions = buildQuestions({ logits, classes: c, targets: items.map((it) => it.label), ids: items.map((it) => it.id), classnames: dataset.classnames, order: s.option_order, seed: s.seed });

  // 2. Who answers, and what is already answered.
  const backend = openBackend(s, input.warn);
  const identity: LmmIdentity = await backend.identity();
  const sampling: Sampling = { temperature: s.temperature, max_tokens: s.max_tokens, seed: s.seed };
  const cache = new AnswerCache(ctx.store.root);
  const tars = new TarHandles();
  const failures: ItemFailure[] = [];
  const prepared: Prepared[] = [];
  const answers = new Map<number, CachedAnswer>();
  const tLookup = performance.now();
  const imageOf = async (item: DatasetItem) => imagePayload((await readItemBytes(item, tars)).bytes, item.path);
  try {
    for (let i = 0; i < questions.length; i++) {
      const item = items[i];
      try {
        const image = await imageOf(item);
        const imageSha256 = sha256(image.bytes);
        const key = answerKey({ identity, prompt: questions[i].text, imageSha256, sampling });
        prepared.push({ question: questions[i], item, key, imageSha256 });
        const hit = await cache.get(key);
        if (hit) answers.set(i, hit);
      } catch (err) {
        if (!(err instanceof ImageReadError)) throw err;
        failures.push({ index: item.index, id: item.id, path: item.path, error: err.message });
      }
    }
    const cached = answers.size;
    const counts: LabelCounts = { TRUE: 0, FALSE: 0, DOUBLE: 0, TODO: 0 };
    const labelOf = (q: Question, a: CachedAnswer): AnswerLabel => labelAnswer(q.trueName, q.distractorName, a.text);
    for (const [i, a] of answers) counts[labelOf(questions[i], a)] += 1;

    // 3. Ask the rest, `concurrency` at a time; each answer is stored as it arrives.
    const pending = prepared.filter((p) => !answers.has(p.question.row));
    const tAsk = performance.now();
    let requestSeconds = 0;
    let serverSeconds = 0;
    let serverTimed = 0;
    progress.start(`asking ${path.basename(identity.model)}`, prepared.length, 'questions');
    progress.update(cached);
    progress.detail?.(countsText(counts));
    const outcome = await askPool(pending, s.concurrency, async (p) => {
      const image = await imageOf(p.item);
      const t0 = performance.now();
      const reply = await backend.ask(p.question.text, image, sampling);
      requestSeconds += (performance.now() - t0) / 1000;
      if (reply.server_ms !== null) {
        serverSeconds += reply.server_ms / 1000;
        serverTimed += 1;
      }
      const stored = await cache.put(p.key, { identity, prompt: p.question.text, imageSha256: p.imageSha256, sampling }, reply);
      answers.set(p.question.row, stored);
      counts[labelOf(p.question, stored)] += 1;
      progress.update(answers.size);
      progress.detail?.(countsText(counts));
    });
    progress.finish();
    if (outcome.error !== null) {
      const err = outcome.error;
      const why = err instanceof HoloclipError ? err.message : errorMessage(err);
      throw new HoloclipError(`${why}. ${answers.size} of ${prepared.length} answers are stored in ${cache.dir} (${answers.size - cached} new in this run); rerun the same command to resume from them`, { cause: err });
    }
    const tAsked = performance.now();

    // 4. Label, score, write.
    const rows = prepared.map((p) => {
      const q = p.question;
      const a = answers.get(q.row) as CachedAnswer;
      const label = labelOf(q, a);
      return {
        p,
        label,
        clipTwoWay: twoWayCorrect(logits, q.row, c, q.target, q.distractor),
        clipTop1: q.surrogateTop1 === q.target,
        answer: a,
      };
    });
    const subsets = dataset.adapter?.subsets ?? [];
    const metrics: LmmMetrics = { ...scoreQuestions(rows) };
    if (subsets.length > 0) {
      metrics.subsets = {};
      for (const sub of subsets) {
        const inSub = rows.filter((r) => r.p.item.id.startsWith(sub.prefix));
        if (inSub.length > 0) metrics.subsets[sub.name] = scoreQuestions(inSub);
      }
    }
    const subsetOf = (id: string) => subsets.find((x) => id.startsWith(x.prefix))?.name ?? null;
    const asked = pending.length;
    const result: LmmResult = {
      ...ctx.envelopeHead('lmm'),
      dataset: ctx.datasetRecord(set),
      lmm: { backend: identity.backend, endpoint: backend.endpoint, model: identity.model, identity: { ...identity.reported } },
      metrics,
      conventions: {
        protocol: 'ImageNet-D (Zhang et al., CVPR 2024): LLaVA/llava/serve/eval_imagenet_d.py questions, LLaVA/compute_accuracy.py answer matching',
        question: IMAGENET_D_QUESTION.replace('{a}', '{first}').replace('{b}', '{second}'),
        option_order: s.option_order === 'reference' ? 'reference: the true class first, as eval_imagenet_d.py' : `shuffled: per image by sha256(seed, image id), seed ${s.seed}`,
        distractor: "the surrogate's top-1 class when it is wrong, else its top-2 (ties: the lower class index)",
        surrogate: `${ctx.model.dir}: ${head.kind === 'text' ? 'zero-shot head over the class names' : "the classifier's own logits"}`,
        ...templateConventions(input.templates),
        answer_matching: `lower-cased answer; a class matches when its lower-cased name or one of its synonyms is a substring (compute_accuracy.py's table of ${Object.keys(IMAGENET_D_SYNONYMS).length} classes); pairs ${IMAGENET_D_OVERLAPPING_PAIRS.map(([a, b]) => `"${a}"/"${b}"`).join(', ')} decided by the longer name first`,
        labels: 'TRUE: only the true class named; FALSE: only the distractor; DOUBLE: both; TODO: neither',
        lmm_accuracy: 'TRUE / (TRUE + FALSE); DOUBLE and TODO counted, not scored',
        clip_two_way: "the surrogate's argmax over the same two classes (with the surrogate as distractor source, this equals its top-1 on the same images)",
        clip_top1: "the surrogate's full zero-shot top-1 on the same images",
        sampling,
        images: 'the file bytes as base64 data URLs (JPEG, PNG, WebP, GIF); other formats re-encoded losslessly as PNG',
        ...(s.limit !== undefined ? { limit: `the first ${s.limit} readable images of the dataset (dataset order)` } : {}),
        ...ctx.preprocessConventions(),
      },
      cache: {
        store: ctx.store.root,
        answers_dir: cache.dir,
        answers_cached: cached,
        requests_sent: backend.requestsSent,
        answers_new: asked,
        images_inferred: set.inferred,
      },
      timing: {
        total_s: (performance.now() - tStart) / 1000,
        lookup_s: (tAsk - tLookup) / 1000,
        ask_s: (tAsked - tAsk) / 1000,
        questions_per_s: asked > 0 ? asked / ((tAsked - tAsk) / 1000) : null,
        mean_request_s: asked > 0 ? requestSeconds / asked : null,
        mean_server_compute_s: serverTimed > 0 ? serverSeconds / serverTimed : null,
        concurrency: s.concurrency,
      },
    };
    const dir = path.resolve(input.out);
    await writeJsonlAtomic(
      path.join(dir, 'questions.jsonl'),
      rows.map((r) => ({
        id: r.p.item.id,
        subset: subsetOf(r.p.item.id),
        target: r.p.question.target,
        true_name: r.p.question.trueName,
        distractor: r.p.question.distractor,
        distractor_name: r.p.question.distractorName,
        surrogate_top1: r.p.question.surrogateTop1,
        question: r.p.question.text,
        answer: r.answer.text,
        finish_reason: r.answer.finish_reason,
        label: r.label,
        clip_two_way_correct: r.clipTwoWay,
        clip_top1_correct: r.clipTop1,
        answer_key: r.p.key,
      })),
    );
    await writeFailures(dir, [{ name: 'data', failures: [...set.failures, ...failures] }]);
    await writeResult(dir, result);
    return result;
  } finally {
    progress.finish();
    await tars.close();
  }
}
