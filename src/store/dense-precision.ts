/** The precisions the dense store keeps features in (apart from the store, for option schemas that name them). */
export type DensePrecision = 'float16' | 'float32';
export const DENSE_PRECISIONS: readonly DensePrecision[] = ['float16', 'float32'];

/** What a precision means, recorded in meta.json and in results. */
export const PRECISION_NOTES: Readonly<Record<DensePrecision, string>> = {
  float16: 'IEEE binary16 (numpy float16), rounded to nearest even from the float32 model output: relative error <= 2^-11 (4.9e-4) for |x| >= 6.1e-5',
  float32: 'float32, as the model output it',
};
