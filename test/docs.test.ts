/**
 * The documentation: README.md is a short front door, every docs/ page is reachable from it, every relative
 * link and #anchor in README.md and docs/ resolves, and the generated reference pages (docs/reference/) are
 * what `npm run docs` writes from the code today.
 */
import assert from 'node:assert/strict';
import { existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generatedPages } from '../tools/docs/generate.js';
import { headingAnchors, isExternal, markdownLinks } from '../tools/docs/markdown.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README = path.join(root, 'README.md');

async function docsPages(dir = path.join(root, 'docs')): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await docsPages(p)));
    else if (e.name.endsWith('.md')) out.push(p);
  }
  return out.sort();
}

const rel = (p: string): string => path.relative(root, p);

test('generated reference pages are current (else: run `npm run docs`)', async () => {
  const pages = await generatedPages();
  assert.ok(pages.size >= 4, 'the generator writes the CLI, suite schema, task and corruption pages');
  for (const [file, expected] of pages) {
    const full = path.join(root, file);
    assert.ok(existsSync(full), `${file} is missing: run \`npm run docs\` and commit it`);
    const committed = await fs.readFile(full, 'utf8');
    if (committed !== expected) {
      const a = committed.split('\n');
      const b = expected.split('\n');
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      assert.fail(`${file} is stale: run \`npm run docs\` (first difference at line ${i + 1}:\n  committed: ${a[i] ?? '(end)'}\n  generated: ${b[i] ?? '(end)'})`);
    }
  }
});

test('README.md is a front door under 250 lines', async () => {
  const lines = (await fs.readFile(README, 'utf8')).split('\n');
  const n = lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  assert.ok(n < 250, `README.md has ${n} lines; keep it under 250 and move reference material into docs/`);
});

test('every relative link and #anchor in README.md and docs/ resolves', async () => {
  const files = [README, ...(await docsPages())];
  const anchors = new Map<string, Set<string>>();
  const anchorsOf = async (file: string): Promise<Set<string>> => {
    let a = anchors.get(file);
    if (!a) {
      a = headingAnchors(await fs.readFile(file, 'utf8'));
      anchors.set(file, a);
    }
    return a;
  };
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const { line, target } of markdownLinks(await fs.readFile(file, 'utf8'))) {
      if (isExternal(target)) continue;
      checked++;
      const [p, anchor] = target.split('#', 2) as [string, string | undefined];
      const dest = p === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(p));
      const where = `${rel(file)}:${line}: ${target}`;
      if (!dest.startsWith(root + path.sep) && dest !== root) {
        broken.push(`${where} (outside the repository)`);
        continue;
      }
      if (!existsSync(dest)) {
        broken.push(`${where} (no such file ${rel(dest)})`);
        continue;
      }
      if (anchor !== undefined && anchor !== '') {
        if (!dest.endsWith('.md') || statSync(dest).isDirectory()) {
          broken.push(`${where} (an anchor into a file that is not markdown)`);
          continue;
        }
        if (!(await anchorsOf(dest)).has(anchor)) broken.push(`${where} (no heading with anchor #${anchor} in ${rel(dest)})`);
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} relative links found: the link reader is broken`);
  assert.deepEqual(broken, [], `broken links:\n  ${broken.join('\n  ')}`);
});

test('every docs/ page is reachable from README.md', async () => {
  const reached = new Set<string>([README]);
  const queue = [README];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const { target } of markdownLinks(await fs.readFile(file, 'utf8'))) {
      if (isExternal(target)) continue;
      const p = target.split('#', 1)[0];
      if (!p.endsWith('.md')) continue;
      const dest = path.resolve(path.dirname(file), decodeURIComponent(p));
      if (!reached.has(dest) && existsSync(dest)) {
        reached.add(dest);
        queue.push(dest);
      }
    }
  }
  const unreached = (await docsPages()).filter((p) => !reached.has(p)).map(rel);
  assert.deepEqual(unreached, [], `docs pages no link from README.md leads to: ${unreached.join(', ')}`);
});

test('the link reader and slugs follow GitHub', () => {
  const text = '# Suites: `holoclip run`\n## Scaling out: Slurm, Kubernetes, GPUs\n## A\n## A\n```\n# not a heading\n[x](nowhere.md)\n```\n[a](b.md#c) `[d](e.md)` ![img](f.png)\n';
  assert.deepEqual([...headingAnchors(text)], ['suites-holoclip-run', 'scaling-out-slurm-kubernetes-gpus', 'a', 'a-1']);
  assert.deepEqual(markdownLinks(text).map((l) => l.target), ['b.md#c', 'f.png']);
  assert.ok(isExternal('https://example.org') && !isExternal('docs/x.md'));
});
