/** The image of a question as sent to a server: the file's own bytes when servers take its format, else PNG. */
import { ImageReadError, errorMessage } from '../errors.js';
import { loadSharp } from '../util/heavy-modules.js';
import type { LmmImage } from './backend.js';

/** JPEG, PNG, WebP and GIF go as they are (every OpenAI-compatible vision server reads them); null: another format. */
export function sniffMime(bytes: Buffer): string | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) return 'image/gif';
  return null;
}

/** The payload of one image file: as is, or re-encoded losslessly as PNG (BMP, TIFF, ...). */
export async function imagePayload(bytes: Buffer, file: string): Promise<LmmImage & { reencoded: boolean }> {
  const mime = sniffMime(bytes);
  if (mime) return { bytes, mime, reencoded: false };
  try {
    const sharp = await loadSharp();
    return { bytes: await sharp(bytes).png({ compressionLevel: 6 }).toBuffer(), mime: 'image/png', reencoded: true };
  } catch (err) {
    throw new ImageReadError(file, `not JPEG, PNG, WebP or GIF, and it cannot be re-encoded as PNG (${errorMessage(err)})`);
  }
}
