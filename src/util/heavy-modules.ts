/**
 * The heavy third-party modules that only some commands need, loaded on first use: sharp (libvips) and
 * onnxruntime-node (import them through these functions, never statically). A command that runs no model and reads
 * no image (`--help`, `score`, `suite check`) then starts without loading either; test/cli-startup.test.ts checks
 * the module graph. transformers.js is loaded the same way by models/transformers-env.ts, vega by report/kit.
 */
import type SharpModule from 'sharp';
import type * as OnnxruntimeModule from 'onnxruntime-node';

export type Sharp = typeof SharpModule;
export type Onnxruntime = typeof OnnxruntimeModule;

let sharpModule: Promise<Sharp> | null = null;
let onnxruntimeModule: Promise<Onnxruntime> | null = null;

/** sharp's default export (the same object on every call). */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((m) => m.default);
  return sharpModule;
}

/** onnxruntime-node's namespace (the same object on every call). */
export function loadOnnxruntime(): Promise<Onnxruntime> {
  onnxruntimeModule ??= import('onnxruntime-node');
  return onnxruntimeModule;
}
