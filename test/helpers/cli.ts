/** Run the built CLI (bin/holoclip.js -> dist/, built by `npm test`'s pretest) as a user would. */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT } from './fixtures.js';

export const BIN = path.join(REPO_ROOT, 'bin', 'holoclip.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Deterministic RGB test image with content that depends on (seed), so images differ. */
export async function writeTestImage(file: string, seed: number, width = 96, height = 80, format: 'png' | 'jpeg' = 'png'): Promise<void> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      raw[o] = (x * (seed % 7 + 1) * 3 + y * seed) & 255;
      raw[o + 1] = (y * (seed % 5 + 2) * 2 + seed * 37) & 255;
      raw[o + 2] = ((x + y) * (seed % 3 + 1) + seed * 91) & 255;
    }
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  const img = sharp(raw, { raw: { width, height, channels: 3 } });
  await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toFile(file);
}

/** An ImageFolder with `perClass` distinct images in each of `classes`. */
export async function makeImageFolder(root: string, classes: string[], perClass: number, size?: { width: number; height: number }): Promise<void> {
  let seed = 1;
  for (const c of classes) {
    for (let i = 0; i < perClass; i++) {
      await writeTestImage(path.join(root, c, `img${i}.png`), seed++, size?.width, size?.height);
    }
  }
}
