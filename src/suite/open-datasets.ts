/**
 * Opens every dataset a suite uses, the way its tasks read it (labelled, unlabelled image folder,
 * cue-conflict folder, caption manifest), and fingerprints its content for the unit keys. Problems
 * are collected so that all of them are reported before any inference.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { completeWithDepthModel, findDepthMaps, missingDepthError, type FoundDepthMaps } from '../depth/sources.js';
import type { ProgressSink } from '../util/progress.js';
import { findCorruption } from '../corruptions/registry.js';
import { openDatasetRef } from '../data/dataset-ref.js';
import type { CaptionDataset, Dataset } from '../data/index.js';
import { errorMessage } from '../errors.js';
import type { FileHashIndex } from '../store/hash.js';
import { hashItem, ItemStatCache } from '../data/item-bytes.js';
import { KeyList } from '../store/packed-keys.js';
import { forEachLimit, mapLimit } from '../util/concurrency.js';
import type { CorrespondencePairs } from '../data/correspondence-pairs.js';
import type { ResolvedDataset, ResolvedSuite } from './load-suite.js';

export interface OpenedDataset {
  readonly resolved: ResolvedDataset;
  /** The images (for a caption manifest: its images). */
  readonly dataset: Dataset;
  /** A caption dataset's captions. */
  readonly captions?: CaptionDataset;
  /** An image-pair dataset's pairs: keypoints or geometric (correspondence). */
  readonly pairs?: CorrespondencePairs;
}

/**
 * Opens the datasets. Depth maps that a depth model must estimate are not computed here (that is
 * inference, and every problem must be known first): `estimateSuiteDepth` does it afterwards.
 */
export async function openSuiteDatasets(suite: ResolvedSuite, names: ReadonlySet<string>): Promise<{ opened: Map<string, OpenedDataset>; problems: string[]; pendingDepth: PendingDepth[] }> {
  const opened = new Map<string, OpenedDataset>();
  const problems: string[] = [];
  const pendingDepth: PendingDepth[] = [];
  for (const name of names) {
    const d = suite.datasets.get(name);
    if (!d) continue;
    try {
      const read = await openDatasetRef(d.ref, d.role, { allowOption: `allow_duplicate_classes: true (datasets.${name})` });
      let dataset = read.dataset;
      if (dataset.items.length === 0) {
        problems.push(`datasets.${name}: ${d.path} holds no images`);
        continue;
      }
      if (d.corruption) {
        let depthPaths = new Map<number, string>();
        if (findCorruption(d.corruption.name)?.needsDepth) {
          const found = await findDepthMaps(dataset, d.depthDir);
          if (found.missing.length > 0 && !d.depthModel) {
            problems.push(`datasets.${name}.corruption: ${missingDepthError(d.corruption.name, found.missing, dataset.items.length).message.replace(/--depth-dir DIR/, 'depth_dir').replace(/--depth-model DIR/, 'depth_model')}`);
            continue;
          }
          depthPaths = found.paths;
          if (found.missing.length > 0 && d.depthModel) pendingDepth.push({ name, found, modelDir: d.depthModel });
        }
        dataset = { ...dataset, corruption: { spec: d.corruption, depthPaths } };
      }
      opened.set(name, { resolved: d, dataset, ...(read.captions ? { captions: read.captions } : {}), ...(read.pairs ? { pairs: read.pairs } : {}) });
    } catch (err) {
      problems.push(`datasets.${name}: ${errorMessage(err)}`);
    }
  }
  return { opened, problems, pendingDepth };
}

export interface PendingDepth {
  readonly name: string;
  readonly found: FoundDepthMaps;
  readonly modelDir: string;
}

/** Estimates the depth maps of corrupted datasets that lack them (cached in the store) and attaches them. */
export async function estimateSuiteDepth(opened: Map<string, OpenedDataset>, pending: readonly PendingDepth[], store: { root: string; hashIndex: FileHashIndex }, progress: ProgressSink): Promise<void> {
  for (const p of pending) {
    const o = opened.get(p.name);
    if (!o?.dataset.corruption) continue;
    const { paths } = await completeWithDepthModel(p.found, p.modelDir, store, progress);
    opened.set(p.name, { ...o, dataset: { ...o.dataset, corruption: { ...o.dataset.corruption, depthPaths: paths } } });
  }
}

/**
 * What an opened dataset's numbers depend on: its images ({@link datasetFingerprint}) and, for keypoint pairs, the
 * bytes of every annotation file (keypoints, boxes, depth, poses), named relative to the dataset root.
 */
export async function openedFingerprint(d: OpenedDataset, hashIndex: FileHashIndex, stats: ItemStatCache = new ItemStatCache()): Promise<string> {
  const images = await datasetFingerprint(d.dataset, hashIndex, stats);
  if (!d.pairs) return images;
  const h = createHash('sha256');
  h.update(images);
  const files = d.pairs.annotationFiles;
  const digests = await mapLimit(files, 16, (f) => hashIndex.hashFile(f));
  files.forEach((f, i) => h.update(`\n${path.relative(d.dataset.root, f).split(path.sep).join('/')}\t${digests[i]}`));
  return h.digest('hex');
}

/**
 * What a dataset's numbers depend on: its items (relative id, label), the bytes of every image
 * (sha256, cached by stat in the store's hash index) and its class names. Paths are left out, so a
 * moved dataset keeps its results.
 */
export async function datasetFingerprint(dataset: Dataset, hashIndex: FileHashIndex, stats: ItemStatCache = new ItemStatCache()): Promise<string> {
  // Packed (32 bytes an image; an unreadable image's reason as a string): a string per image would be some 90 bytes.
  const hashes = new KeyList(dataset.items.length);
  await forEachLimit(dataset.items, 8, async (item, i) => {
    try {
      hashes.set(i, await hashItem(item, hashIndex, stats, dataset.items, i));
    } catch (err) {
      hashes.set(i, `unreadable:${errorMessage(err)}`);
    }
  });
  const h = createHash('sha256');
  const c = dataset.corruption;
  h.update(JSON.stringify({ kind: dataset.kind, classnames: dataset.classnames, corruption: c ? c.spec : null, crop_border: dataset.cropBorder ?? 0 }));
  for (let i = 0; i < dataset.items.length; i++) {
    const item = dataset.items.get(i);
    const depth = c?.depthPaths?.get(item.index);
    const depthHash = depth ? await hashIndex.hashFile(depth).catch(() => 'unreadable') : '';
    h.update(`\n${item.id}\t${item.labels ? item.labels.join('|') : item.label}\t${hashes.at(i)}${depth ? `\t${depthHash}` : ''}`);
  }
  return h.digest('hex');
}
