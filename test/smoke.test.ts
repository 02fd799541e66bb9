import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoloclipError } from '../src/errors.js';
test('errors carry messages', () => {
  assert.equal(new HoloclipError('x').message, 'x');
});
