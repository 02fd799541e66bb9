/**
 * A WebAssembly module shipped as base64 (tools/wasm/build.mjs), compiled and instantiated on first use, once per
 * thread (each worker thread gets its own instance and memory). `get()` is null when the engine cannot compile it
 * (every node >= 16.4 can): callers then run their JS path, which computes the same values.
 */
export class LazyWasmInstance<T extends { memory: WebAssembly.Memory }> {
  private instance: T | null | undefined;

  constructor(private readonly base64: string) {}

  get(): T | null {
    if (this.instance === undefined) {
      try {
        const module = new WebAssembly.Module(Buffer.from(this.base64, 'base64'));
        this.instance = new WebAssembly.Instance(module, {}).exports as unknown as T;
      } catch {
        this.instance = null;
      }
    }
    return this.instance;
  }

  /** The instance's memory in bytes, 0 before its first use (or without the instance). */
  memoryBytes(): number {
    return this.instance ? this.instance.memory.buffer.byteLength : 0;
  }
}

/** Grows `memory` (64 KiB pages) until it holds at least `bytes`; never shrinks it. */
export function growMemoryTo(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
}
