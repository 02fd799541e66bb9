/**
 * The image decoder's identity in embedding space keys: `sharp <version> libvips <version>`. Reading it from
 * sharp means loading sharp and libvips (0.2-0.5 s), which a warm rerun that decodes no image would pay only for
 * this string. So it is remembered in the store (`index/decoder.json`) under a fingerprint of the installed
 * packages sharp loads its binary and libvips from: sharp's package.json and those of every `@img/sharp-*` package
 * node's resolution could reach, with the size and mtime of each of their files. A change to any of them loads sharp
 * and records the identity afresh. A sharp built from source (`sharp/src/build`), which may link a system libvips
 * that changes under it, is never remembered.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists } from '../store/json-file.js';
import { writeJsonAtomic } from '../store/atomic.js';
import { loadSharp } from '../util/heavy-modules.js';
import { installedPackage } from '../util/package-dir.js';

function hashTree(h: ReturnType<typeof createHash>, dir: string, rel = ''): void {
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) hashTree(h, dir, child);
    else {
      const st = statSync(path.join(dir, child));
      h.update(`${child}\t${st.size}\t${st.mtimeMs}\n`);
      if (e.name === 'package.json') h.update(readFileSync(path.join(dir, child)));
    }
  }
}

/**
 * A digest of everything that decides which sharp binary and libvips load, or null when that cannot be told from
 * the installed files (sharp built from source, or not found).
 */
export function sharpInstallFingerprint(): string | null {
  // The installed packages do not change while a process runs: read them once.
  if (installFingerprint === undefined) installFingerprint = readSharpInstallFingerprint();
  return installFingerprint;
}

let installFingerprint: string | null | undefined;

function readSharpInstallFingerprint(): string | null {
  const dir = installedPackage('sharp')?.dir ?? null;
  if (dir === null || existsSync(path.join(dir, 'src', 'build'))) return null;
  const h = createHash('sha256');
  h.update(`${dir}\n${process.platform} ${process.arch}\n`);
  h.update(readFileSync(path.join(dir, 'package.json')));
  // Every node_modules folder node's resolution walks from sharp: the prebuilt @img/sharp-* packages live in one.
  for (let d = dir; ; d = path.dirname(d)) {
    for (const nm of [path.join(d, 'node_modules', '@img')]) {
      if (!existsSync(nm)) continue;
      for (const pkg of readdirSync(nm).filter((n) => n.startsWith('sharp-')).sort()) {
        h.update(`@img/${pkg} at ${nm}\n`);
        hashTree(h, path.join(nm, pkg));
      }
    }
    if (path.dirname(d) === d) break;
  }
  return h.digest('hex');
}

interface DecoderRecord {
  fingerprint: string;
  decoder: string;
}

/** `sharp <version> libvips <version>`, from the store's record when the installed packages are unchanged. */
export async function decoderIdentity(storeRoot: string): Promise<string> {
  const file = path.join(storeRoot, 'index', 'decoder.json');
  const fingerprint = sharpInstallFingerprint();
  if (fingerprint !== null) {
    const known = (await readJsonIfExists(file).catch(() => null)) as Partial<DecoderRecord> | null | undefined;
    if (known && known.fingerprint === fingerprint && typeof known.decoder === 'string' && /^sharp \S+ libvips \S+$/.test(known.decoder)) return known.decoder;
  }
  const sharp = await loadSharp();
  const decoder = `sharp ${sharp.versions.sharp} libvips ${sharp.versions.vips}`;
  if (fingerprint !== null) {
    const record: DecoderRecord = { fingerprint, decoder };
    await writeJsonAtomic(file, record);
  }
  return decoder;
}
