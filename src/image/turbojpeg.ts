/**
 * Pillow-identical JPEG decoding through the system's libjpeg-turbo (its TurboJPEG API, called with koffi), about
 * three times cheaper than sharp's for the same pixels: Pillow decodes JPEGs with libjpeg-turbo's defaults (the
 * accurate integer IDCT, fancy upsampling), and `tjDecompress2` with no flags runs the same code.
 *
 * Trust is checked, not assumed: before a library is used it decodes the self-test JPEGs (turbojpeg-selftest.ts,
 * made by tools/goldens/make_turbojpeg_selftest.py with Pillow) and every byte must match Pillow's pixels, else
 * holoclip decodes with sharp as before. Only the JPEG layouts the self-test covers take this path
 * (`turboJpegEligible` in header-sniff.ts); any file the library reports a problem with (a warning included)
 * goes to sharp too, so damaged files behave exactly as before. The pixels are the same either way, so embedding
 * keys and results do not depend on which decoder ran; `result.json` records which one was available.
 *
 * Where the library is looked for: `HOLOCLIP_TURBOJPEG` (a path, or `off` to use sharp only), else the platform's
 * usual names (Debian / Ubuntu: `apt install libturbojpeg0`; macOS: `brew install jpeg-turbo`).
 */
import { createHash } from 'node:crypto';
import type { Raw8 } from './pil-resample.js';
import { TURBOJPEG_SELF_TEST } from './turbojpeg-selftest.js';

/** What TurboJPEG decoding is available in this process. */
export type TurboJpegStatus =
  | { readonly available: true; readonly library: string }
  | { readonly available: false; readonly reason: string };

/** A loaded, self-tested library: decodes an eligible JPEG to RGB, or null if the library reports any problem. */
export interface TurboJpegDecoder {
  readonly library: string;
  decode(bytes: Uint8Array): Raw8 | null;
}

/** The environment variable naming the library (a path), or `off`. */
export const TURBOJPEG_ENV = 'HOLOCLIP_TURBOJPEG';

const TJPF_RGB = 0;

function candidateNames(): string[] {
  const env = process.env[TURBOJPEG_ENV];
  if (env !== undefined && env !== '') return [env];
  if (process.platform === 'darwin') return ['libturbojpeg.0.dylib', 'libturbojpeg.dylib', '/opt/homebrew/opt/jpeg-turbo/lib/libturbojpeg.dylib', '/usr/local/opt/jpeg-turbo/lib/libturbojpeg.dylib'];
  if (process.platform === 'win32') return ['turbojpeg.dll'];
  return ['libturbojpeg.so.0', 'libturbojpeg.so'];
}

interface Binding {
  readonly header: (h: unknown, buf: Uint8Array, size: number, w: number[], ht: number[], sub: number[], cs: number[]) => number;
  readonly decompress: (h: unknown, buf: Uint8Array, size: number, dst: Uint8Array, w: number, pitch: number, ht: number, pf: number, flags: number) => number;
  readonly handle: unknown;
}

/** Loads koffi and the first library that opens; throws with the reason when none does. */
async function bind(): Promise<{ binding: Binding; library: string }> {
  const koffi = (await import('koffi')).default;
  const failures: string[] = [];
  for (const name of candidateNames()) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(name);
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    const init = lib.func('void *tjInitDecompress()');
    const header = lib.func('int tjDecompressHeader3(void *handle, const uint8_t *jpegBuf, unsigned long jpegSize, _Out_ int *width, _Out_ int *height, _Out_ int *subsamp, _Out_ int *colorspace)');
    const decompress = lib.func('int tjDecompress2(void *handle, const uint8_t *jpegBuf, unsigned long jpegSize, _Out_ uint8_t *dstBuf, int width, int pitch, int height, int pixelFormat, int flags)');
    const handle: unknown = init();
    if (handle === null) {
      failures.push(`${name}: tjInitDecompress failed`);
      continue;
    }
    return { binding: { header, decompress, handle }, library: name };
  }
  throw new Error(failures.join('; '));
}

function decodeWith(b: Binding, bytes: Uint8Array): Raw8 | null {
  const w = [0];
  const h = [0];
  const sub = [0];
  const cs = [0];
  if (b.header(b.handle, bytes, bytes.length, w, h, sub, cs) !== 0) return null;
  const width = w[0];
  const height = h[0];
  if (!(width > 0 && height > 0)) return null;
  const data = new Uint8Array(width * height * 3);
  // Flags 0: the accurate integer IDCT and fancy upsampling, libjpeg's defaults, as Pillow decodes. Any non-zero
  // return (an error, or a warning about corrupt data) hands the file to sharp.
  if (b.decompress(b.handle, bytes, bytes.length, data, width, 0, height, TJPF_RGB, 0) !== 0) return null;
  return { width, height, channels: 3, data };
}

/** The first self-test case a decode function gets wrong (null: all equal Pillow's pixels). */
export function selfTestFailure(decode: (bytes: Uint8Array) => Raw8 | null): string | null {
  for (const c of TURBOJPEG_SELF_TEST) {
    const raw = decode(Buffer.from(c.jpeg, 'base64'));
    if (raw === null) return `${c.name}: not decoded`;
    if (raw.width !== c.width || raw.height !== c.height) return `${c.name}: ${raw.width}x${raw.height}, Pillow ${c.width}x${c.height}`;
    if (createHash('sha256').update(raw.data).digest('hex') !== c.rgbSha256) return `${c.name}: pixels differ from Pillow's`;
  }
  return null;
}

let loaded: Promise<{ decoder: TurboJpegDecoder | null; status: TurboJpegStatus }> | null = null;

async function load(): Promise<{ decoder: TurboJpegDecoder | null; status: TurboJpegStatus }> {
  if (process.env[TURBOJPEG_ENV] === 'off') return { decoder: null, status: { available: false, reason: `${TURBOJPEG_ENV}=off` } };
  let bound: { binding: Binding; library: string };
  try {
    bound = await bind();
  } catch (err) {
    return { decoder: null, status: { available: false, reason: `no libturbojpeg (${(err as Error).message})` } };
  }
  const decode = (bytes: Uint8Array) => decodeWith(bound.binding, bytes);
  const failure = selfTestFailure(decode);
  if (failure !== null) return { decoder: null, status: { available: false, reason: `${bound.library} failed the self-test against Pillow (${failure})` } };
  return { decoder: { library: bound.library, decode }, status: { available: true, library: bound.library } };
}

/** The self-tested decoder of this process (loaded on first call), or null when sharp decodes every JPEG. */
export async function turboJpegDecoder(): Promise<TurboJpegDecoder | null> {
  loaded ??= load();
  return (await loaded).decoder;
}

/** Whether TurboJPEG decoding is available here, and which library or why not (for result.json). */
export async function turboJpegStatus(): Promise<TurboJpegStatus> {
  loaded ??= load();
  return (await loaded).status;
}
