/**
 * The default of the image pixel limit (pixel-limit.ts), apart from the code that applies it: suite validation and
 * command-line defaults read it without loading any image code.
 */

/** Pillow's `Image.MAX_IMAGE_PIXELS` = int(1024 * 1024 * 1024 // 4 // 3). */
export const DEFAULT_MAX_IMAGE_PIXELS = 89_478_485;
