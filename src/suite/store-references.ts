/**
 * What a suite reads from its store, for `holoclip store gc`: the embedding spaces of its models and,
 * in each, the chunks holding the rows of its datasets (clean and corrupted), its metric units (their
 * keys computed as `holoclip run` computes them, from the same rows) and what those units recorded
 * reading (text-cache entries, chunks read at metric time), and the cached logit scales of its models.
 * It reads the store and the datasets only: no model runs, nothing is written (depth maps a suite
 * estimates with a depth model are estimated as a run would, unless cached).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hashItem, ItemStatCache } from '../data/item-bytes.js';
import { HoloclipError } from '../errors.js';
import { createPreprocessor } from '../image/index.js';
import { openModel } from '../models/open-model.js';
import { imageSpaceMeta } from '../pipeline/image-space.js';
import { itemStoreKey } from '../pipeline/item-key.js';
import { canonicalKey } from '../store/canonical-json.js';
import { committedChunkIds, decodeChunkBytes, inspectChunk } from '../store/embedding-store.js';
import type { StoreReferences } from '../store/gc.js';
import { FileHashIndex } from '../store/hash.js';
import { rowsDigest } from '../store/integrity.js';
import { UnitResultStore } from '../store/unit-results.js';
import { mapLimit } from '../util/concurrency.js';
import type { ProgressSink } from '../util/progress.js';
import { SuiteError, type ResolvedSuite } from './load-suite.js';
import { estimateSuiteDepth, openedFingerprint, openSuiteDatasets } from './open-datasets.js';
import { embeddingUnitId, planSuite } from './plan.js';
import { resolveModelRuntimes, unitKey } from './run-suite.js';
import { readdirSync } from 'node:fs';

interface SpaceIndex {
  readonly dir: string;
  readonly dim: number;
  /** item key -> [chunk id, row]: the first chunk (in write order) holding it, as readers resolve it. */
  readonly rows: Map<string, [string, number]>;
  readonly data: Map<string, Float32Array>;
}

/** A space read without writing anything; null if it does not exist. Damaged chunks stop gc (verify first). */
function readSpace(storeRoot: string, key: string): SpaceIndex | null {
  const dir = path.join(storeRoot, 'embeddings', key);
  let dim: number;
  try {
    dim = (JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { dim: number }).dim;
  } catch {
    return null;
  }
  const chunksDir = path.join(dir, 'chunks');
  let names: string[];
  try {
    names = readdirSync(chunksDir);
  } catch {
    names = [];
  }
  const rows = new Map<string, [string, number]>();
  for (const id of committedChunkIds(names)) {
    const found = inspectChunk(chunksDir, id, dim);
    if (found.kind === 'gone') continue;
    if (found.kind === 'damaged') {
      throw new HoloclipError(`${found.damage.kind} ${found.damage.file} is damaged (${found.damage.problem}); run \`holoclip store verify --repair\` before gc`);
    }
    found.keys.forEach((k, row) => {
      if (!rows.has(k)) rows.set(k, [id, row]);
    });
  }
  return { dir, dim, rows, data: new Map() };
}

function chunkRows(space: SpaceIndex, id: string): Float32Array {
  let data = space.data.get(id);
  if (data) return data;
  const chunksDir = path.join(space.dir, 'chunks');
  const found = inspectChunk(chunksDir, id, space.dim);
  if (found.kind !== 'ok') throw new HoloclipError(`embedding chunk ${id} in ${chunksDir} changed while gc was reading it; run gc again`);
  data = decodeChunkBytes(readFileSync(found.npyFile), found, space.dim);
  space.data.set(id, data);
  return data;
}

export async function suiteStoreReferences(suite: ResolvedSuite, progress: ProgressSink): Promise<StoreReferences> {
  const plan = planSuite(suite);
  const needed = new Set(plan.embedding.map((u) => u.dataset));
  const { opened, problems, pendingDepth } = await openSuiteDatasets(suite, needed);
  if (problems.length > 0) throw new SuiteError(suite.file, problems);
  const hashIndex = await FileHashIndex.open(suite.store);
  await estimateSuiteDepth(opened, pendingDepth, { root: suite.store, hashIndex }, progress);
  const runtimes = await resolveModelRuntimes(suite, hashIndex, suite.preprocess);

  const spaces = new Map<string, Set<string>>();
  const text = new Set<string>();
  const units = new Set<string>();
  const logitScale = new Set<string>();
  const digests = new Map<string, string>();
  const stats = new ItemStatCache();

  progress.start(`reading what suite ${suite.name} references`, plan.embedding.length, 'unit');
  let done = 0;
  for (const m of suite.models) {
    const rt = runtimes.get(m.name)!;
    for (const sha of Object.values(rt.identity.all)) logitScale.add(sha);
    const model = await openModel(m.dir, { dtype: m.dtype, inspected: m.inspected });
    let spaceKey: string;
    try {
      const preprocessor = await createPreprocessor(m.dir, rt.preprocess);
      spaceKey = canonicalKey(await imageSpaceMeta({ model, identity: rt.identity, preprocessor }, suite.store));
    } finally {
      await model.dispose();
    }
    const space = readSpace(suite.store, spaceKey);
    const used = new Set<string>();
    if (space) spaces.set(spaceKey, used);
    for (const unit of plan.embedding.filter((u) => u.model === m.name)) {
      progress.update(++done);
      if (!space) continue;
      const d = opened.get(unit.dataset)!.dataset;
      const corruption = unit.corruption ?? d.corruption?.spec;
      const depthPaths = d.corruption?.depthPaths;
      // As the embedding pipeline keys an item (pipeline/item-key.ts); unreadable items have no row.
      const keys = await mapLimit(d.items, 8, async (item) => {
        try {
          const fileSha256 = await hashItem(item, hashIndex, stats);
          const depthPath = corruption ? depthPaths?.get(item.index) : undefined;
          const depthSha256 = depthPath === undefined ? null : await hashIndex.hashFile(depthPath);
          return itemStoreKey({ fileSha256, cropBorder: d.cropBorder ?? 0, corruption, depthSha256 });
        } catch {
          return undefined;
        }
      });
      const present = keys.filter((k): k is string => k !== undefined && space.rows.has(k));
      const rows = new Float32Array(present.length * space.dim);
      present.forEach((k, i) => {
        const [id, row] = space.rows.get(k)!;
        used.add(id);
        rows.set(chunkRows(space, id).subarray(row * space.dim, (row + 1) * space.dim), i * space.dim);
      });
      if (present.length > 0) digests.set(embeddingUnitId(unit), rowsDigest(present, rows));
    }
  }
  progress.finish();
  await hashIndex.save();

  const fingerprints = new Map<string, string>();
  for (const [name, d] of opened) fingerprints.set(name, await openedFingerprint(d, hashIndex));
  await hashIndex.save();
  const unitStore = new UnitResultStore(suite.store);
  for (const u of plan.metric) {
    const deps = plan.reads.get(u.id) ?? [];
    if (!deps.every((id) => digests.has(id))) continue; // its embeddings are not all there: the unit cannot exist
    const key = unitKey(u, suite, runtimes.get(u.model)!, fingerprints, opened, Object.fromEntries(deps.map((id) => [id, digests.get(id)!])), suite.maxImagePixels);
    units.add(key);
    const found = await unitStore.check(key);
    if (found.kind !== 'done') continue;
    for (const k of Object.keys(found.manifest.reads.text)) text.add(k);
    for (const [space, ids] of Object.entries(found.manifest.reads.chunks)) {
      let set = spaces.get(space);
      if (!set) spaces.set(space, (set = new Set()));
      for (const id of ids) set.add(id);
    }
  }
  return { spaces, text, units, logitScale };
}

/** The union of several suites' references (one store). */
export function mergeReferences(all: readonly StoreReferences[]): StoreReferences {
  const spaces = new Map<string, Set<string>>();
  const text = new Set<string>();
  const units = new Set<string>();
  const logitScale = new Set<string>();
  for (const r of all) {
    for (const [k, ids] of r.spaces) {
      let set = spaces.get(k);
      if (!set) spaces.set(k, (set = new Set()));
      for (const id of ids) set.add(id);
    }
    for (const k of r.text) text.add(k);
    for (const k of r.units) units.add(k);
    for (const k of r.logitScale) logitScale.add(k);
  }
  return { spaces, text, units, logitScale };
}
