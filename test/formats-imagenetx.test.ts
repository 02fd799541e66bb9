import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { IMAGENET_X_FACTORS } from '../src/metrics/factors.js';
import { readFactorAnnotations, readImagenetxLabels, readImagenetxPredictions, readPrototypicalPaths } from '../src/formats/index.js';
import { withTempDir as withTempDirIn } from './helpers/temp-dir.js';

const withTempDir = (fn: (dir: string) => Promise<void>) => withTempDirIn(fn, 'holoclip-imagenetx-');
const oneLine = (re: RegExp) => (e: unknown) => e instanceof HoloclipError && re.test(e.message) && !e.message.includes('\n');

function record(file: string, cls: number, set: string[], extra: Record<string, unknown> = {}): string {
  const rec: Record<string, unknown> = { file_name: file, class: cls };
  for (const f of IMAGENET_X_FACTORS) rec[f] = set.includes(f) ? 1 : 0;
  return JSON.stringify({ ...rec, justification: 'a dog on grass', one_word: 'grass', ...extra });
}

test('imagenetx: annotations (top- and multi-factor layout), non-factor keys ignored, factor order fixed', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'a.jsonl');
    await writeFile(file, [record('x.JPEG', 3, ['background']), '', record('y.JPEG', 7, ['pose', 'color', 'texture']), ''].join('\r\n'));
    const anns = await readFactorAnnotations(file);
    assert.equal(anns.length, 2);
    assert.equal(anns[0].file_name, 'x.JPEG');
    assert.equal(anns[0].label, 3);
    assert.deepEqual(Object.keys(anns[0].factors), IMAGENET_X_FACTORS);
    assert.equal(anns[0].factors.background, 1);
    assert.equal(Object.values(anns[1].factors).reduce((s, v) => s + v, 0), 3);
    assert.ok(!('justification' in anns[0].factors) && !('one_word' in anns[0].factors) && !('class' in anns[0].factors));
  }));

test('imagenetx: annotation errors are one line and name file and line', () =>
  withTempDir(async (dir) => {
    const file = path.join(dir, 'a.jsonl');
    const cases: [string, RegExp][] = [
      [record('x', 1, []) + '\n{"file_name": ', /a\.jsonl line 2 is not valid JSON/],
      ['[1, 2]', /line 1 is not a JSON object/],
      [record('x', 1, [], { file_name: 3 }), /line 1 has no "file_name" string/],
      [record('x', -1, []), /line 1 \(x\): "class" is -1; expected a non-negative integer/],
      [record('x', 1, [], { pose: 2 }), /line 1 \(x\): factor "pose" is 2; expected 0 or 1/],
      [JSON.stringify({ file_name: 'x', class: 1 }), /factor "pose" is missing/],
      [record('x', 1, []) + '\n' + record('x', 2, []), /line 2: x is annotated more than once/],
      ['\n\n', /has no annotations/],
    ];
    for (const [text, re] of cases) {
      await writeFile(file, text);
      await assert.rejects(readFactorAnnotations(file), oneLine(re));
    }
    await assert.rejects(readFactorAnnotations(path.join(dir, 'missing.jsonl')), oneLine(/ImageNet-X annotation file .*missing\.jsonl does not exist/));
  }));

test('imagenetx: predictions, labels and prototypical paths', () =>
  withTempDir(async (dir) => {
    const preds = path.join(dir, 'ResNet50.csv');
    await writeFile(preds, 'file_name,predicted_class,predicted_probability\nILSVRC2012_val_00000293.JPEG,394,0.55\nILSVRC2012_val_00002138.JPEG,0,0.83\n');
    assert.deepEqual([...(await readImagenetxPredictions(preds))], [['ILSVRC2012_val_00000293.JPEG', 394], ['ILSVRC2012_val_00002138.JPEG', 0]]);
    const labels = path.join(dir, 'filename_label.csv');
    await writeFile(labels, 'file_name,label\na.JPEG,0\nb.JPEG,999\n');
    assert.deepEqual([...(await readImagenetxLabels(labels))], [['a.JPEG', 0], ['b.JPEG', 999]]);
    const protos = path.join(dir, 'prototypical_paths.csv');
    await writeFile(protos, 'file_name\np1.JPEG\np2.JPEG\n');
    assert.deepEqual([...(await readPrototypicalPaths(protos))], ['p1.JPEG', 'p2.JPEG']);

    await writeFile(preds, 'file_name,predicted_class\na,1\na,2\n');
    await assert.rejects(readImagenetxPredictions(preds), oneLine(/ResNet50\.csv line 3: a appears more than once/));
    await writeFile(preds, 'file_name,predicted_class\na,1.5\n');
    await assert.rejects(readImagenetxPredictions(preds), oneLine(/line 2: predicted_class is "1\.5"; expected a non-negative integer/));
    await writeFile(preds, 'file,predicted_class\na,1\n');
    await assert.rejects(readImagenetxPredictions(preds), oneLine(/has no column "file_name"/));
  }));
