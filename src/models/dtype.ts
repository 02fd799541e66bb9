/** Precision variants of an exported model, named as transformers.js names them. */
export const DTYPES = ['fp32', 'fp16', 'q8', 'q4'] as const;
export type Dtype = (typeof DTYPES)[number];

/** File-name suffix transformers.js appends for each dtype (`onnx/vision_model${suffix}.onnx`). */
export const DTYPE_SUFFIX: Readonly<Record<Dtype, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
};

export function isDtype(value: string): value is Dtype {
  return (DTYPES as readonly string[]).includes(value);
}

export function towerFileName(tower: 'vision_model' | 'text_model' | 'model', dtype: Dtype): string {
  return `onnx/${tower}${DTYPE_SUFFIX[dtype]}.onnx`;
}
