/**
 * Child process for the memory test (test/image-memory.test.ts): decodes the given images through the embedding
 * pipeline's decode worker as `embedImages` drives it (batches of `batch`, two batches in flight) and prints one
 * JSON line: peak RSS of this process (`process.resourceUsage().maxRSS`, KiB) and each item's outcome.
 *
 *   node --import tsx test/helpers/decode-peak.ts MODEL_DIR MODE BATCH FILE...
 */
import { DecodeClient } from '../../src/pipeline/decode-client.js';
import type { DecodeResponse } from '../../src/pipeline/decode-protocol.js';
import type { PreprocessMode } from '../../src/image/index.js';

const [modelDir, mode, batchArg, ...files] = process.argv.slice(2);
const batch = Number(batchArg);
const client = await DecodeClient.start({ modelDir, mode: mode as PreprocessMode, concurrency: 4 });
const items = files.map((path, index) => ({ index, path }));
const pending: Array<Promise<DecodeResponse>> = [];
let cursor = 0;
const request = () => {
  pending.push(client.decode(items.slice(cursor, cursor + batch)));
  cursor += batch;
};
while (pending.length < 2 && cursor < items.length) request();
const outcomes: Array<{ index: number; ok: boolean; error?: string; warning?: string }> = [];
while (pending.length > 0) {
  const res = await (pending.shift() as Promise<DecodeResponse>);
  if (cursor < items.length) request();
  for (const r of res.items) outcomes.push({ index: r.index, ok: r.ok, ...(r.ok ? {} : { error: r.error }), ...('warning' in r && r.warning ? { warning: r.warning } : {}) });
}
await client.close();
process.stdout.write(`${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, outcomes })}\n`);
