/**
 * Image file extensions, as torchvision's `IMG_EXTENSIONS` (matched case-insensitively), so an
 * ImageFolder here has the same items, in the same order, as `torchvision.datasets.ImageFolder`.
 * `.gif` is deliberately not included (torchvision skips it too).
 */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];

export function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}
