/**
 * NAVI (Jampani et al. 2023, google/navi v1) in the layout probe3d reads (mbanani/probe3d@a1f1464,
 * evals/datasets/navi.py, after data_processing/resize_navi.py): `<root>/<object>/<collection>/annotations.json`
 * (a list of {filename, camera: {q: [w, x, y, z], t: [mm], focal_length}, image_size: [h, w], ...}),
 * `images/downsampled_<id>.jpg` and `depth/downsampled_<id>.png` (shorter side 1,024 px). The test split is probe3d's:
 * the `wild_set` images of every object that also has another collection (`multiview_*`).
 *
 * Pairs: probe3d pairs every image with one drawn by `torch.multinomial` (seed 8) among the object's wild-set views at
 * a relative rotation in (0, 120] degrees, then keeps every 4th image in `os.listdir` order. Neither torch's sampler
 * nor the listing order can be reproduced, so here: images in sorted order, every 4th kept, its partner drawn
 * uniformly from the same candidates with holoclip's seeded generator (sfc32, seed 8). Recorded in the results.
 * Poses: object-to-camera [R(q) | t / 1000]; the relative pose is probe3d's Rt_01 = Rt_1 @ inverse(Rt_0).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../../errors.js';
import { mat4Inverse, mat4Multiply, quaternionToMatrix, rotationAngleDeg } from '../../metrics/geometric-correspondence.js';
import { createRng } from '../../metrics/random.js';
import { geometricViewsDataset, type GeometricPair, type GeometricPairs, type GeometricView } from '../correspondence-pairs.js';
import { NAVI_LAYOUT } from './layouts.js';

/** probe3d's NAVI pairing constants. */
export const NAVI_MAX_ANGLE = 120;
export const NAVI_PAIR_SEED = 8;
export const NAVI_KEEP_EVERY = 4;

interface NaviAnnotation {
  filename: string;
  camera: { q: number[]; t: number[]; focal_length: number };
  image_size: [number, number];
}

function parseAnnotation(raw: unknown, file: string, i: number): NaviAnnotation {
  const a = raw as Partial<NaviAnnotation> | null;
  const cam = a?.camera;
  const nums = (v: unknown, n: number) => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number');
  if (!a || typeof a.filename !== 'string' || !cam || !nums(cam.q, 4) || !nums(cam.t, 3) || typeof cam.focal_length !== 'number' || !nums(a.image_size, 2)) {
    throw new HoloclipError(`navi: ${file}[${i}] must have filename, camera {q: [w, x, y, z], t: [x, y, z], focal_length} and image_size [h, w]`);
  }
  return a as NaviAnnotation;
}

/** probe3d `camera_matrices_from_annotation` with the translation in metres. */
export function naviPose(a: NaviAnnotation): number[] {
  const m = quaternionToMatrix(a.camera.q);
  m[3] = a.camera.t[0] / 1000;
  m[7] = a.camera.t[1] / 1000;
  m[11] = a.camera.t[2] / 1000;
  return m;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

export async function openNaviPairs(rootArg: string): Promise<GeometricPairs> {
  const root = path.resolve(rootArg);
  let objects: string[];
  try {
    objects = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  } catch {
    throw new HoloclipError(`navi: ${root} does not exist; expected ${NAVI_LAYOUT}`);
  }
  const views = new Map<string, GeometricView>();
  const pairs: GeometricPair[] = [];
  const annotationFiles: string[] = [];
  const rng = createRng(NAVI_PAIR_SEED);
  for (const obj of objects) {
    const collections = (await readdir(path.join(root, obj), { withFileTypes: true })).filter((d) => d.isDirectory() && (d.name === 'wild_set' || d.name.startsWith('multiview_'))).map((d) => d.name);
    if (!collections.includes('wild_set') || collections.length === 1) continue; // probe3d skips these objects
    const dir = path.join(root, obj, 'wild_set');
    const annFile = path.join(dir, 'annotations.json');
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(annFile, 'utf8'));
    } catch (err) {
      throw new HoloclipError(`navi: ${annFile} is not readable JSON: ${errorMessage(err)}`);
    }
    if (!Array.isArray(raw)) throw new HoloclipError(`navi: ${annFile} must be a list of image annotations`);
    annotationFiles.push(annFile);
    const byId = new Map<string, NaviAnnotation>();
    raw.forEach((r, i) => {
      const a = parseAnnotation(r, annFile, i);
      byId.set(a.filename.split('.')[0], a);
    });
    // Image ids as probe3d lists them (jpg files without "_"), plus those only present downsampled.
    const files = await readdir(path.join(dir, 'images')).catch(() => [] as string[]);
    const ids = [...new Set(files.filter((f) => f.endsWith('.jpg')).map((f) => f.replace(/^downsampled_/, '').split('.')[0]).filter((id) => !id.includes('_')))].sort();
    const kept: Array<{ id: string; key: string; pose: number[] }> = [];
    for (const id of ids) {
      const a = byId.get(id);
      if (!a) throw new HoloclipError(`navi: image ${id} of ${dir} has no entry in ${annFile}`);
      const file = path.join(dir, 'images', `downsampled_${id}.jpg`);
      const depthFile = path.join(dir, 'depth', `downsampled_${id}.png`);
      if (!(await exists(file)) || !(await exists(depthFile))) throw new HoloclipError(`navi: ${file} or ${depthFile} is missing; run probe3d's data_processing/resize_navi.py (or downsample to a 1,024 px shorter side, depth with nearest)`);
      const key = `${obj}/${id}`;
      views.set(key, { key, file, depthFile, camera: { kind: 'navi', focalLength: a.camera.focal_length, originalSize: a.image_size } });
      kept.push({ id, key, pose: naviPose(a) });
    }
    for (let i = 0; i < kept.length; i++) {
      const candidates = kept.filter((o) => {
        const r = mat4Multiply(kept[i].pose, mat4Inverse(o.pose));
        const ang = rotationAngleDeg(r);
        return ang > 0 && ang <= NAVI_MAX_ANGLE;
      });
      const pick = candidates.length === 0 ? null : candidates[rng.nextInt(candidates.length)];
      if (i % NAVI_KEEP_EVERY !== 0 || pick === null) continue;
      pairs.push({ id: `${obj}/${kept[i].id}-${pick.id}`, group: obj, view0: kept[i].key, view1: pick.key, rt01: mat4Multiply(pick.pose, mat4Inverse(kept[i].pose)) });
    }
  }
  if (pairs.length === 0) throw new HoloclipError(`navi: ${root} yields no pairs; expected ${NAVI_LAYOUT}, with wild-set views less than ${NAVI_MAX_ANGLE} degrees apart`);
  const used = new Set(pairs.flatMap((p) => [p.view0, p.view1]));
  for (const k of [...views.keys()]) if (!used.has(k)) views.delete(k);
  const dataset = geometricViewsDataset(root, views, { type: 'navi', notes: { pairs: pairs.length, images: views.size, objects: new Set(pairs.map((p) => p.group)).size } });
  return {
    kind: 'geometric',
    protocol: 'navi',
    dataset,
    views,
    pairs,
    split: 'test (wild_set)',
    annotationFiles: [...annotationFiles, ...[...views.values()].map((v) => v.depthFile)],
    pairing: `wild-set images of each object in sorted order, every ${NAVI_KEEP_EVERY}th kept, each paired with a view drawn uniformly (holoclip's sfc32, seed ${NAVI_PAIR_SEED}) among those at a relative rotation in (0, ${NAVI_MAX_ANGLE}] degrees (probe3d: torch.multinomial seed 8, os.listdir order; not reproducible)`,
  };
}
