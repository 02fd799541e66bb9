/**
 * Opens every dataset a suite uses, the way its tasks read it (labelled, unlabelled image folder,
 * cue-conflict folder, caption manifest), and fingerprints its content for the unit keys. Problems
 * are collected so that all of them are reported before any inference.
 */
import { createHash } from 'node:crypto';
import { openCaptionManifest, openDataset, openImageList, type Dataset } from '../data/index.js';
import { errorMessage } from '../errors.js';
import type { FileHashIndex } from '../store/hash.js';
import { mapLimit } from '../util/concurrency.js';
import type { ResolvedDataset, ResolvedSuite } from './load-suite.js';

export interface OpenedDataset {
  readonly resolved: ResolvedDataset;
  /** The images (for a caption manifest: its images). */
  readonly dataset: Dataset;
}

async function openOne(d: ResolvedDataset): Promise<Dataset> {
  switch (d.role) {
    case 'labelled':
      return openDataset({ path: d.path, classnames: d.classnames });
    case 'unlabelled':
      return openImageList(d.path);
    case 'cue-conflict':
      return openDataset({ path: d.path });
    case 'captions':
      return (await openCaptionManifest(d.path)).dataset;
  }
}

export async function openSuiteDatasets(suite: ResolvedSuite, names: ReadonlySet<string>): Promise<{ opened: Map<string, OpenedDataset>; problems: string[] }> {
  const opened = new Map<string, OpenedDataset>();
  const problems: string[] = [];
  for (const name of names) {
    const d = suite.datasets.get(name);
    if (!d) continue;
    try {
      const dataset = await openOne(d);
      if (dataset.items.length === 0) problems.push(`datasets.${name}: ${d.path} holds no images`);
      else opened.set(name, { resolved: d, dataset });
    } catch (err) {
      problems.push(`datasets.${name}: ${errorMessage(err)}`);
    }
  }
  return { opened, problems };
}

/**
 * What a dataset's numbers depend on: its items (relative id, label), the bytes of every image
 * (sha256, cached by stat in the store's hash index) and its class names. Paths are left out, so a
 * moved dataset keeps its results.
 */
export async function datasetFingerprint(dataset: Dataset, hashIndex: FileHashIndex): Promise<string> {
  const hashes = await mapLimit(dataset.items, 8, async (item) => {
    try {
      return await hashIndex.hashFile(item.path);
    } catch (err) {
      return `unreadable:${errorMessage(err)}`;
    }
  });
  const h = createHash('sha256');
  h.update(JSON.stringify({ kind: dataset.kind, classnames: dataset.classnames }));
  dataset.items.forEach((item, i) => h.update(`\n${item.id}\t${item.label}\t${hashes[i]}`));
  return h.digest('hex');
}
