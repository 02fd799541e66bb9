/**
 * The logits and labels of test/score-wasm-exp.test.ts's end-to-end check and of tools/goldens/make_score_cli_goldens.ts
 * (which ran main's CLI on them): 4,100 x 1,000 float32 (over the two-thread threshold of `holoclip score`), from a
 * fixed seed, with the rows that exercise the kernel's branches: ties of the maximum, +0 / -0 maxima, constant rows,
 * logits 1e4 apart (exponentials that underflow to subnormals and 0), logits within 2^-28 of the maximum, and
 * ordinary rows of several spreads.
 */
export const SCORE_FIXTURE_ROWS = 4100;
export const SCORE_FIXTURE_COLS = 1000;

export function scoreFixture(): { logits: Float32Array; labels: Int32Array } {
  const n = SCORE_FIXTURE_ROWS;
  const c = SCORE_FIXTURE_COLS;
  let s = 20261202;
  const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const logits = new Float32Array(n * c);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(rand() * c);
    const kind = i % 10;
    const spread = [0.5, 2, 6, 15][i % 4];
    for (let j = 0; j < c; j++) {
      let v: number;
      if (kind === 0) v = Math.floor(rand() * 5); // ties of the maximum
      else if (kind === 1) v = rand() < 0.5 ? 0 : -0 - rand(); // +0 / -0 maxima
      else if (kind === 2 && i % 20 === 2) v = 3; // a constant row
      else if (kind === 3) v = (rand() - 0.5) * 2e4; // exponentials far below 1: subnormals and zeros
      else if (kind === 4) v = 1e-9 * Math.floor(rand() * 8); // differences below 2^-28
      else v = spread * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      logits[i * c + j] = v;
    }
    if (kind === 1 && i % 20 === 1) logits[i * c] = -0;
    if (kind >= 5) logits[i * c + labels[i]] += 6 * rand();
  }
  return { logits, labels };
}
