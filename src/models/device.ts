/**
 * Which onnxruntime execution provider runs the models: `--device cpu|cuda|auto`.
 *
 * - cpu: onnxruntime's CPU provider (the default).
 * - cuda: the CUDA provider; when it cannot run here, a one-line error saying how to install it.
 * - auto: CUDA when it runs here, else CPU, and the result records which one and why.
 *
 * Whether CUDA runs is found once per process: the provider libraries next to onnxruntime-node's binding (only
 * installed with ONNXRUNTIME_NODE_INSTALL=cuda12), then a session on a one-node model with the CUDA provider
 * (which needs the CUDA runtime, cuDNN and a GPU). The device is provenance, never part of a cache key: shards
 * on GPUs and an aggregation job on a CPU node share the same store.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';

export const DEVICES = ['cpu', 'cuda', 'auto'] as const;
export type DeviceChoice = (typeof DEVICES)[number];
export type ExecutionProvider = 'cpu' | 'cuda';

/** The device a process runs its models on, and how it was chosen. */
export interface ResolvedDevice {
  readonly requested: DeviceChoice;
  readonly provider: ExecutionProvider;
  /** Why `auto` chose CPU (null otherwise). */
  readonly fallbackReason: string | null;
}

export type CudaProbe = { readonly available: true } | { readonly available: false; readonly reason: string };

/** What to do when the CUDA provider is missing (the `--device cuda` error says it). */
export const CUDA_INSTALL_HINT =
  'install onnxruntime-node\'s CUDA 12 provider with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (it needs the CUDA 12 runtime, cuDNN 9 and an NVIDIA driver; README "Scaling out"), or use --device cpu|auto';

export const CPU_DEVICE: ResolvedDevice = { requested: 'cpu', provider: 'cpu', fallbackReason: null };

/** The decision, given what the probe found (pure). */
export function decideDevice(requested: DeviceChoice, probe: CudaProbe | null): ResolvedDevice {
  if (requested === 'cpu') return CPU_DEVICE;
  if (probe === null) throw new HoloclipError(`internal: --device ${requested} needs the CUDA probe`);
  if (probe.available) return { requested, provider: 'cuda', fallbackReason: null };
  if (requested === 'cuda') throw new HoloclipError(`--device cuda: onnxruntime's CUDA provider cannot run here (${probe.reason}); ${CUDA_INSTALL_HINT}`);
  return { requested, provider: 'cpu', fallbackReason: probe.reason };
}

let probed: Promise<CudaProbe> | null = null;

/** Resolves `--device` once per process (the probe is cached; `cpu` probes nothing). */
export async function resolveDevice(requested: DeviceChoice = 'cpu'): Promise<ResolvedDevice> {
  if (requested === 'cpu') return CPU_DEVICE;
  probed ??= probeCuda();
  return decideDevice(requested, await probed);
}

/** The fields every result.json records under `conventions` (not part of any cache key). */
export function deviceConventions(device: ResolvedDevice): Record<string, string> {
  const used = device.provider === 'cuda' ? 'cuda (onnxruntime CUDA execution provider)' : 'cpu (onnxruntime CPU execution provider)';
  return {
    device: device.requested === 'auto' ? `${used}; chosen by --device auto${device.fallbackReason ? `: ${device.fallbackReason}` : ''}` : used,
  };
}

/** The provider libraries onnxruntime-node loads for CUDA, per platform (none: it ships no CUDA provider there). */
function cudaProviderFiles(): string[] | null {
  if (process.platform === 'linux' && process.arch === 'x64') return ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
  if (process.platform === 'win32' && process.arch === 'x64') return ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll'];
  return null;
}

/** The folder holding onnxruntime-node's native binding, found without loading the package. */
function ortBindingDir(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    const dir = path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(dir) ? dir : null;
  } catch {
    return null;
  }
}

/** Files first (cheap, and the usual reason), then a real session with the CUDA provider. */
async function probeCuda(): Promise<CudaProbe> {
  const files = cudaProviderFiles();
  if (files === null) return { available: false, reason: `onnxruntime-node has no CUDA provider for ${process.platform}/${process.arch}` };
  const dir = ortBindingDir();
  if (dir === null) return { available: false, reason: 'onnxruntime-node\'s native binding folder was not found' };
  const missing = files.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) return { available: false, reason: `the CUDA provider is not installed (no ${missing.join(', ')} in ${dir})` };
  try {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(identityModel(), { executionProviders: ['cuda'], logSeverityLevel: 3 });
    await session.release();
    return { available: true };
  } catch (err) {
    return { available: false, reason: `a session with the CUDA provider failed: ${errorMessage(err).split('\n')[0]}` };
  }
}

// --- a one-node ONNX model (y = Identity(x), float[1]) encoded by hand: no ONNX file, no protobuf package ---

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
const field = (num: number, bytes: number[]): number[] => [...varint((num << 3) | 2), ...varint(bytes.length), ...bytes];
const int = (num: number, value: number): number[] => [...varint(num << 3), ...varint(value)];
const str = (num: number, s: string): number[] => field(num, [...Buffer.from(s, 'utf8')]);

/** ModelProto { ir_version 7, opset 13, graph { Identity x -> y; x, y: float[1] } }. */
export function identityModel(): Uint8Array {
  const valueInfo = (name: string) => [...str(1, name), ...field(2, field(1, [...int(1, 1), ...field(2, field(1, int(1, 1)))]))];
  const node = [...str(1, 'x'), ...str(2, 'y'), ...str(4, 'Identity')];
  const graph = [...field(1, node), ...str(2, 'probe'), ...field(11, valueInfo('x')), ...field(12, valueInfo('y'))];
  return Uint8Array.from([...int(1, 7), ...field(7, graph), ...field(8, int(2, 13))]);
}
