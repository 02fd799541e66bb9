/**
 * ScanNet correspondence pairs in the layout probe3d reads (mbanani/probe3d@a1f1464, evals/datasets/scannet_pairs.py):
 * SuperGlue's 1,500 test pairs as LoFTR distributes them (`scannet_test_1500/`): `test.npz` (`name`: rows
 * [room, sequence, frame0, frame1]), `intrinsics.npz` (one 3x3 per `sceneRRRR_SS`), and per scene
 * `color/<frame>.jpg`, `depth/<frame>.png` (16-bit millimetres) and `pose/<frame>.txt` (4x4 camera-to-world).
 * The relative pose is probe3d's Rt_01 = inverse(Rt_1) @ Rt_0. Pairs in test.npz order.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../../errors.js';
import { mat4Inverse, mat4Multiply } from '../../metrics/geometric-correspondence.js';
import { geometricViewsDataset, type GeometricPair, type GeometricPairs, type GeometricView } from '../correspondence-pairs.js';
import { readNpz } from '../npz.js';
import { SCANNET_PAIRS_LAYOUT } from './layouts.js';

async function mustExist(file: string, what: string): Promise<void> {
  try {
    await stat(file);
  } catch {
    throw new HoloclipError(`scannet-pairs: ${what} ${file} is missing; expected the layout ${SCANNET_PAIRS_LAYOUT}`);
  }
}

/** A 4x4 pose from a whitespace-separated text file (numpy.loadtxt). */
export async function readPoseTxt(file: string): Promise<number[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new HoloclipError(`cannot read pose ${file}: ${errorMessage(err)}`);
  }
  const v = text.trim().split(/\s+/).map(Number);
  if (v.length !== 16 || v.some((x) => !Number.isFinite(x))) throw new HoloclipError(`pose ${file} must hold 16 numbers (a 4x4 matrix), found ${v.length}${v.some((x) => !Number.isFinite(x)) ? ' with non-numbers (inf/nan: an invalid ScanNet pose)' : ''}`);
  return v;
}

export async function openScanNetPairs(rootArg: string): Promise<GeometricPairs> {
  const root = path.resolve(rootArg);
  const testFile = path.join(root, 'test.npz');
  const kFile = path.join(root, 'intrinsics.npz');
  await mustExist(testFile, 'pair list');
  await mustExist(kFile, 'intrinsics');
  const names = (await readNpz(testFile)).get('name');
  if (!names || names.shape.length !== 2 || names.shape[1] !== 4) throw new HoloclipError(`scannet-pairs: ${testFile} must hold "name", an [N, 4] integer array (room, sequence, frame0, frame1)`);
  const intrinsics = await readNpz(kFile);
  const rows = Array.from(names.data as ArrayLike<number | bigint>, (x) => Number(x));
  const views = new Map<string, GeometricView>();
  const pairs: GeometricPair[] = [];
  const annotationFiles = [testFile, kFile];
  const poses = new Map<string, number[]>();
  const view = async (scene: string, frame: number, K: readonly number[]): Promise<string> => {
    const key = `${scene}/${frame}`;
    if (views.has(key)) return key;
    const dir = path.join(root, scene);
    const file = path.join(dir, 'color', `${frame}.jpg`);
    const depthFile = path.join(dir, 'depth', `${frame}.png`);
    const poseFile = path.join(dir, 'pose', `${frame}.txt`);
    await mustExist(file, 'image');
    await mustExist(depthFile, 'depth map');
    poses.set(key, await readPoseTxt(poseFile));
    annotationFiles.push(depthFile, poseFile);
    views.set(key, { key, file, depthFile, camera: { kind: 'intrinsics', K } });
    return key;
  };
  for (let i = 0; i < names.shape[0]; i++) {
    const [room, seq, f0, f1] = rows.slice(4 * i, 4 * i + 4);
    const scene = `scene${String(room).padStart(4, '0')}_${String(seq).padStart(2, '0')}`;
    const k = intrinsics.get(scene);
    if (!k || k.data.length !== 9) throw new HoloclipError(`scannet-pairs: ${kFile} has no 3x3 intrinsics for ${scene} (pair ${i})`);
    const K = Array.from(k.data as ArrayLike<number | bigint>, (x) => Number(x));
    const v0 = await view(scene, f0, K);
    const v1 = await view(scene, f1, K);
    // probe3d: Rt_01 = Rt_1.inverse() @ Rt_0 (camera-to-world poses: view 0 camera -> view 1 camera).
    pairs.push({ id: String(i), group: scene, view0: v0, view1: v1, rt01: mat4Multiply(mat4Inverse(poses.get(v1)!), poses.get(v0)!) });
  }
  if (pairs.length === 0) throw new HoloclipError(`scannet-pairs: ${testFile} lists no pairs`);
  const dataset = geometricViewsDataset(root, views, { type: 'scannet-pairs', notes: { pairs: pairs.length, images: views.size, scenes: new Set(pairs.map((p) => p.group)).size } });
  return { kind: 'geometric', protocol: 'scannet', dataset, views, pairs, split: 'test', annotationFiles, pairing: 'test.npz rows in order (SuperGlue / LoFTR test pairs), as probe3d' };
}
