/**
 * skimage.color routines the ImageNet-C reference calls (make_imagenet_c.py: saturate, brightness), operation
 * for operation: `rgbToHsv` (skimage.color.rgb2hsv) and `hsvToRgb` (skimage.color.hsv2rgb), on interleaved
 * float RGB / HSV arrays (3 values per pixel).
 */

/**
 * skimage.color.rgb2hsv on an interleaved float array, in place semantics of skimage 0.19: V = max, S = ptp / V
 * (0 where ptp == 0), H from whichever channel holds the max (blue over green over red on ties),
 * H = (H / 6) % 1 (numpy's remainder, always >= 0), 0 where ptp == 0.
 */
export function rgbToHsv(rgb: Float64Array, hsv: Float64Array): void {
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i];
    const g = rgb[i + 1];
    const b = rgb[i + 2];
    const v = r > g ? (r > b ? r : b) : g > b ? g : b;
    const mn = r < g ? (r < b ? r : b) : g < b ? g : b;
    const delta = v - mn;
    let h = 0;
    let s = 0;
    if (delta !== 0) {
      s = delta / v;
      if (b === v) h = 4 + (r - g) / delta;
      else if (g === v) h = 2 + (b - r) / delta;
      else h = (g - b) / delta;
      h = h / 6;
      // numpy remainder(h, 1): fmod, then shift into [0, 1) when the sign differs.
      let m = h % 1;
      if (m !== 0 && m < 0) m += 1;
      h = m;
    }
    hsv[i] = h;
    hsv[i + 1] = s;
    hsv[i + 2] = v;
  }
}

/**
 * skimage.color.hsv2rgb: hi = floor(6h) mod 6, f = 6h - floor(6h), p = v(1 - s), q = v(1 - fs),
 * t = v(1 - (1 - f)s), then the sextant's (v, t, p) / (q, v, p) / (p, v, t) / (p, q, v) / (t, p, v) / (v, p, q).
 */
export function hsvToRgb(hsv: Float64Array, rgb: Float64Array): void {
  for (let i = 0; i < hsv.length; i += 3) {
    const h = hsv[i];
    const s = hsv[i + 1];
    const v = hsv[i + 2];
    const h6 = h * 6;
    const fl = Math.floor(h6);
    const f = h6 - fl;
    const p = v * (1 - s);
    const q = v * (1 - f * s);
    const t = v * (1 - (1 - f) * s);
    switch ((fl & 255) % 6) {
      case 0:
        rgb[i] = v;
        rgb[i + 1] = t;
        rgb[i + 2] = p;
        break;
      case 1:
        rgb[i] = q;
        rgb[i + 1] = v;
        rgb[i + 2] = p;
        break;
      case 2:
        rgb[i] = p;
        rgb[i + 1] = v;
        rgb[i + 2] = t;
        break;
      case 3:
        rgb[i] = p;
        rgb[i + 1] = q;
        rgb[i + 2] = v;
        break;
      case 4:
        rgb[i] = t;
        rgb[i + 1] = p;
        rgb[i + 2] = v;
        break;
      default:
        rgb[i] = v;
        rgb[i + 1] = p;
        rgb[i + 2] = q;
    }
  }
}
