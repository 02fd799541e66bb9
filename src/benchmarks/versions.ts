/**
 * The benchmarks' versions. Bump one when its output changes for the same seed and packages (it invalidates built
 * copies). Apart from the builders so that the catalogue (benchmarks/catalog.ts) loads without them.
 */
export const EMOJI_SHIFT_VERSION = '1.1.0';
export const EMOJI_CORRESPONDENCE_VERSION = '1.0.0';
