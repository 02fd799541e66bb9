/**
 * The WebAssembly SIMD build of the calibration row kernel (calibration.wat): calibrationRowTerms and the temperature
 * fit's per-row derivatives, with an exp that is bit for bit V8's Math.exp (fdlibm), so every figure is the JS
 * path's. One instance per thread, its memory grown to the largest block seen (blocks are about 1 MB: the callers
 * feed rows in chunks of kernelChunkRows). `null` / `false` when the engine cannot compile the module (every node >= 16.4
 * can): callers then run the JS loops, which compute the same bits.
 */
import { CALIBRATION_WASM_BASE64 } from './calibration-wasm.js';
import { growMemoryTo, LazyWasmInstance } from '../../util/wasm-instance.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  expInPlace(at: number, n: number, row: number, withDot: number): number;
  calibrationRows(
    block: number, rows: number, c: number, labels: number, temperature: number, unit: number,
    scratch: number, outSum: number, outMax: number, outBrier: number, outBest: number,
  ): number;
  betaRowTerms(block: number, rows: number, c: number, labels: number, beta: number, scratch: number, outGrad: number, outHess: number): number;
}

/** Bytes a pair loop may touch past a buffer's end (kept free after each one), and the alignment of each buffer. */
const SLACK = 16;
/** Bytes of float32 logits per chunk run in the kernel (the callers' blocks are this size: calibration-blocks.ts). */
export const KERNEL_BLOCK_BYTES = 1 << 20;
/** Widest row the kernel takes (its scratch is 8 bytes per class); wider rows take the JS loops. */
export const KERNEL_MAX_COLS = 1 << 20;

const kernel = new LazyWasmInstance<KernelExports>(CALIBRATION_WASM_BASE64);

/** Whether the SIMD kernel runs in this thread. */
export function calibrationKernelAvailable(): boolean {
  return kernel.get() !== null;
}

/** The kernel's memory in this thread, in bytes (0 before its first use). */
export function calibrationKernelMemoryBytes(): number {
  return kernel.memoryBytes();
}

/** Rows of `cols` float32 values per chunk of `blockBytes` (at least one): the kernel's chunks, and the blocks the callers claim. */
export function kernelChunkRows(cols: number, blockBytes = KERNEL_BLOCK_BYTES): number {
  return Math.max(1, Math.floor(blockBytes / (cols * 4)));
}

function aligned(bytes: number): number {
  return (bytes + SLACK + 15) & ~15;
}

/** Where the buffers of a chunk of `rows` rows of `cols` lie in the kernel's memory (byte offsets). */
interface Layout {
  readonly rows: number;
  readonly cols: number;
  readonly block: number;
  readonly labels: number;
  readonly scratch: number;
  readonly sum: number;
  readonly max: number;
  readonly brier: number;
  readonly best: number;
}

function layout(k: KernelExports, rows: number, cols: number): Layout {
  const block = 0;
  const labels = block + aligned(rows * cols * 4);
  const scratch = labels + aligned(rows * 4);
  const sum = scratch + aligned(cols * 8);
  const max = sum + aligned(rows * 8);
  const brier = max + aligned(rows * 8);
  const best = brier + aligned(rows * 8);
  const end = best + aligned(rows * 4);
  growMemoryTo(k.memory, end);
  return { rows, cols, block, labels, scratch, sum, max, brier, best };
}

/**
 * The float32 area a block of up to `rows` rows of `cols` is read into (the kernel's own memory: a file read lands
 * there, and kernelCalibrationRowTerms scores it without a copy), or null without the kernel or for rows wider than
 * KERNEL_MAX_COLS. Valid until the next call of this module in this thread that needs more memory.
 */
export function kernelBlock(rows: number, cols: number): Float32Array | null {
  const k = kernel.get();
  if (!k || cols > KERNEL_MAX_COLS || rows < 1) return null;
  const at = layout(k, rows, cols);
  return new Float32Array(k.memory.buffer, at.block, rows * cols);
}

/** The per-row terms calibrationRowTerms writes (../calibration.ts). */
export interface KernelRowTerms {
  readonly confidences: Float64Array;
  readonly correct: Uint8Array;
  readonly nll: Float64Array;
  readonly brier: Float64Array;
}

/**
 * calibrationRowTerms in the kernel: the same contract and the same bits (see ../calibration.ts). `block` may be the
 * area kernelBlock gave (no copy) or any Float32Array (copied in chunks of about 1 MB). Returns null without the
 * kernel (the caller runs the JS loop), else `rows` or the index of the first row holding a NaN or an infinity.
 */
export function kernelCalibrationRowTerms(
  block: Float32Array,
  firstRow: number,
  rows: number,
  c: number,
  labels: ArrayLike<number>,
  temperature: number,
  out: KernelRowTerms,
): number | null {
  const k = kernel.get();
  if (!k || c > KERNEL_MAX_COLS) return null;
  // v / 1 === v exactly (IEEE 754): the default temperature skips a division per value without changing a bit.
  const unit = temperature === 1;
  // The area kernelBlock gave (at offset 0, already laid out for these rows: no growth, no copy) is scored in place
  // in one call; any other block is copied in, a chunk of about 1 MB at a time.
  const inPlace = block.buffer === k.memory.buffer && block.byteOffset === 0;
  if (!inPlace && block.buffer === k.memory.buffer) block = block.slice();
  const chunk = inPlace ? rows : kernelChunkRows(c);
  const at = layout(k, Math.min(chunk, rows), c);
  const mem = k.memory.buffer;
  for (let done = 0; done < rows; ) {
    const n = Math.min(chunk, rows - done);
    const values = new Float32Array(mem, at.block, n * c);
    if (!inPlace) values.set(block.subarray(done * c, (done + n) * c));
    const rowLabels = new Int32Array(mem, at.labels, n);
    for (let r = 0; r < n; r++) rowLabels[r] = labels[firstRow + done + r];
    const scored = k.calibrationRows(at.block, n, c, at.labels, temperature, unit ? 1 : 0, at.scratch, at.sum, at.max, at.brier, at.best);
    const sums = new Float64Array(mem, at.sum, n);
    const maxes = new Float64Array(mem, at.max, n);
    const briers = new Float64Array(mem, at.brier, n);
    const best = new Int32Array(mem, at.best, n);
    for (let r = 0; r < scored; r++) {
      const i = done + r;
      const label = rowLabels[r];
      const vLabel = values[r * c + label];
      const zLabel = unit ? vLabel : vLabel / temperature;
      const sum = sums[r];
      out.confidences[i] = 1 / sum;
      out.nll[i] = maxes[r] + Math.log(sum) - zLabel;
      out.brier[i] = briers[r];
      out.correct[i] = best[r] === label ? 1 : 0;
    }
    if (scored < n) return done + scored;
    done += n;
  }
  return rows;
}

/** Per-row terms of the temperature fit's derivatives, row r of a call at index r (betaDerivativeRowTerms in ../calibration.ts). */
export interface KernelBetaTerms {
  readonly grad: Float64Array;
  readonly hess: Float64Array;
}

/**
 * The temperature fit's per-row derivative terms (betaDerivativeRowTerms in ../calibration.ts) of `rows` rows of logits
 * (row-major in `block`, labels from `labels[firstRow + r]`, as kernelCalibrationRowTerms takes them), written to
 * `out`. `block` may be the area kernelBlock gave (scored in place) or any Float32Array (copied in chunks of about
 * 1 MB). Returns null without the kernel (the caller runs the JS loop), else `rows` or the index of the first row
 * holding a NaN or an infinity (the terms of the rows before it written).
 */
export function kernelBetaRowTerms(block: Float32Array, firstRow: number, rows: number, c: number, labels: ArrayLike<number>, beta: number, out: KernelBetaTerms): number | null {
  const k = kernel.get();
  if (!k || c > KERNEL_MAX_COLS) return null;
  const inPlace = block.buffer === k.memory.buffer && block.byteOffset === 0;
  if (!inPlace && block.buffer === k.memory.buffer) block = block.slice();
  const chunk = inPlace ? rows : kernelChunkRows(c);
  const at = layout(k, Math.min(chunk, rows), c);
  const mem = k.memory.buffer;
  for (let done = 0; done < rows; ) {
    const n = Math.min(chunk, rows - done);
    if (!inPlace) new Float32Array(mem, at.block, n * c).set(block.subarray(done * c, (done + n) * c));
    const rowLabels = new Int32Array(mem, at.labels, n);
    for (let r = 0; r < n; r++) rowLabels[r] = labels[firstRow + done + r];
    // The sum and max areas of calibrationRows hold the two terms here.
    const scored = k.betaRowTerms(at.block, n, c, at.labels, beta, at.scratch, at.sum, at.max);
    out.grad.set(new Float64Array(mem, at.sum, scored), done);
    out.hess.set(new Float64Array(mem, at.max, scored), done);
    if (scored < n) return done + scored;
    done += n;
  }
  return rows;
}

/** Running totals of the temperature fit's derivatives (sums over rows, in row order). */
export interface BetaTotals {
  grad: number;
  hess: number;
}

/**
 * kernelBetaRowTerms added in row order to `totals` (tests: the kernel against the JS loop). Returns false without
 * the kernel (nothing added). The logits must be finite.
 */
export function kernelBetaRows(block: Float32Array, firstRow: number, rows: number, c: number, labels: ArrayLike<number>, beta: number, totals: BetaTotals): boolean {
  const terms = { grad: new Float64Array(rows), hess: new Float64Array(rows) };
  const scored = kernelBetaRowTerms(block, firstRow, rows, c, labels, beta, terms);
  if (scored === null) return false;
  if (scored < rows) throw new RangeError(`kernelBetaRows: row ${firstRow + scored} holds a non-finite value`);
  let { grad, hess } = totals;
  for (let r = 0; r < rows; r++) {
    grad += terms.grad[r];
    hess += terms.hess[r];
  }
  totals.grad = grad;
  totals.hess = hess;
  return true;
}

/** Math.exp of each value, in the kernel (tests: the port against V8's Math.exp); null without the kernel. */
export function kernelExp(values: Float64Array): Float64Array | null {
  const k = kernel.get();
  if (!k) return null;
  const out = new Float64Array(values.length);
  const chunk = KERNEL_BLOCK_BYTES / 8;
  const at = layout(k, 1, chunk);
  for (let done = 0; done < values.length; done += chunk) {
    const n = Math.min(chunk, values.length - done);
    const scratch = new Float64Array(k.memory.buffer, at.scratch, n);
    scratch.set(values.subarray(done, done + n));
    k.expInPlace(at.scratch, n, 0, 0);
    out.set(scratch, done);
  }
  return out;
}
