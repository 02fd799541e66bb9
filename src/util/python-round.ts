/**
 * Python 3's `round()` of a float to an integer: halves go to the even neighbour (`round(0.5) == 0`,
 * `round(1.5) == 2`), as torchvision's crop offsets, open_clip's / timm's resize sizes, numpy's `np.round` and
 * Pillow's PNM scaling compute it. Pure.
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
