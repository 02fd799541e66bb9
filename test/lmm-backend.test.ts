/**
 * The `openai` backend against a local fake server, for the failures a real server cannot be made to produce on
 * demand (429, 500, timeouts, malformed replies, refusals); the answer cache and the ask pool. The real llama-server
 * runs in test/lmm-e2e.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { HoloclipError } from '../src/errors.js';
import { AnswerCache, answerKey } from '../src/lmm/answer-cache.js';
import { askPool } from '../src/lmm/ask-pool.js';
import type { LmmIdentity, Sampling } from '../src/lmm/backend.js';
import { imagePayload, sniffMime } from '../src/lmm/image-payload.js';
import { apiBase, OpenAiBackend, type OpenAiBackendOptions } from '../src/lmm/openai-backend.js';
import { withTempDir } from './helpers/temp-dir.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse, n: number) => void;

const MODELS = JSON.stringify({ object: 'list', data: [{ id: 'tiny', object: 'model', created: 123, owned_by: 'me', meta: { n_params: 10, n_ctx: 4096 } }] });
const reply = (content: unknown) => JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { completion_tokens: 3 } });

/** A fake server: GET /v1/models lists one model; chat requests go to `handler` (n counts them from 1). */
async function withFake(handler: Handler, fn: (url: string, seen: { chats: Array<{ headers: IncomingMessage['headers']; body: string }> }) => Promise<void>): Promise<void> {
  const seen = { chats: [] as Array<{ headers: IncomingMessage['headers']; body: string }> };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(MODELS);
        return;
      }
      seen.chats.push({ headers: req.headers, body });
      handler(req, body, res, seen.chats.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const IMAGE = { bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), mime: 'image/jpeg' };
const SAMPLING: Sampling = { temperature: 0.2, max_tokens: 16, seed: 0 };
const fast = (url: string, o: Partial<OpenAiBackendOptions> = {}) => new OpenAiBackend({ endpoint: url, timeoutMs: 2000, retries: 3, backoffMs: 1, ...o });

test('apiBase: host, /v1, trailing slash and /chat/completions tails; bad URLs refused', () => {
  assert.equal(apiBase('http://127.0.0.1:8080'), 'http://127.0.0.1:8080/v1');
  assert.equal(apiBase('http://h:8080/'), 'http://h:8080/v1');
  assert.equal(apiBase('https://api.example.com/v1/'), 'https://api.example.com/v1');
  assert.equal(apiBase('https://h/v1/chat/completions'), 'https://h/v1');
  assert.equal(apiBase('https://h/openai/v1'), 'https://h/openai/v1');
  assert.throws(() => apiBase('localhost:8080'), /not a URL|only http/);
  assert.throws(() => apiBase('ftp://h/'), /only http/);
  assert.throws(() => apiBase('http://user:pw@h/'), /API key environment variable/);
});

test('a chat request: image as a base64 data URL before the text, sampling settings, Bearer key only when given', async () => {
  await withFake(
    (_req, _b, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(reply('A dog.')),
    async (url, seen) => {
      const b = fast(url, { apiKey: 'sk-test' });
      const id = await b.identity();
      assert.equal(id.model, 'tiny');
      assert.deepEqual(id.reported, { id: 'tiny', object: 'model', owned_by: 'me', meta: { n_params: 10 } }); // no created, no n_ctx
      const r = await b.ask('What is it?', IMAGE, SAMPLING);
      assert.deepEqual(r, { text: 'A dog.', finish_reason: 'stop', completion_tokens: 3, server_ms: null });
      const body = JSON.parse(seen.chats[0].body);
      assert.equal(body.model, 'tiny');
      assert.deepEqual(body.messages[0].content, [
        { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${IMAGE.bytes.toString('base64')}` } },
        { type: 'text', text: 'What is it?' },
      ]);
      assert.equal(body.temperature, 0.2);
      assert.equal(body.max_tokens, 16);
      assert.equal(body.seed, 0);
      assert.equal(seen.chats[0].headers.authorization, 'Bearer sk-test');
      await fast(url).ask('q', IMAGE, { ...SAMPLING, seed: null });
      assert.equal(seen.chats[1].headers.authorization, undefined);
      assert.equal('seed' in JSON.parse(seen.chats[1].body), false);
    },
  );
});

test('429 (Retry-After honoured) and 500 are retried with backoff, then the answer arrives', async () => {
  await withFake(
    (_req, _b, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'slow down' } }));
      else if (n === 2) res.writeHead(500).end('boom');
      else res.writeHead(200).end(reply('cat'));
    },
    async (url) => {
      const retries: string[] = [];
      const waits: number[] = [];
      const b = fast(url, { backoffMs: 10, onRetry: (m) => retries.push(m), sleep: async (ms) => void waits.push(ms) });
      const r = await b.ask('q', IMAGE, SAMPLING);
      assert.equal(r.text, 'cat');
      assert.equal(b.requestsSent, 3);
      assert.equal(retries.length, 2);
      assert.match(retries[0], /HTTP 429: slow down; retry 1\/3/);
      assert.match(retries[1], /HTTP 500: boom; retry 2\/3/);
      assert.deepEqual(waits, [10, 20]); // exponential
    },
  );
});

test('a server that keeps failing: the error names the last failure and the attempts', async () => {
  await withFake(
    (_req, _b, res) => res.writeHead(503).end('overloaded'),
    async (url) => {
      const b = fast(url, { retries: 2 });
      await assert.rejects(b.ask('q', IMAGE, SAMPLING), (e: unknown) => e instanceof HoloclipError && /HTTP 503: overloaded \(gave up after 3 attempts\)/.test(e.message));
      assert.equal(b.requestsSent, 3);
    },
  );
});

test('a reply that does not come within the timeout is retried', async () => {
  await withFake(
    (_req, _b, res, n) => {
      if (n === 1) return; // never answers
      res.writeHead(200).end(reply('late but fine'));
    },
    async (url) => {
      const retries: string[] = [];
      const b = fast(url, { timeoutMs: 300, onRetry: (m) => retries.push(m) });
      assert.equal((await b.ask('q', IMAGE, SAMPLING)).text, 'late but fine');
      assert.match(retries[0], /no reply within 0.3 s \(timeout\)/);
    },
  );
});

test('malformed replies (not JSON, no content) are retried, then reported', async () => {
  await withFake(
    (_req, _b, res, n) => {
      if (n === 1) res.writeHead(200).end('{"choices": [');
      else if (n === 2) res.writeHead(200).end(JSON.stringify({ choices: [] }));
      else res.writeHead(200).end(reply('ok'));
    },
    async (url) => {
      const retries: string[] = [];
      assert.equal((await fast(url, { onRetry: (m) => retries.push(m) }).ask('q', IMAGE, SAMPLING)).text, 'ok');
      assert.match(retries[0], /malformed reply: a chat completion that is not JSON/);
      assert.match(retries[1], /malformed reply: no choices\[0\]\.message\.content/);
    },
  );
  await withFake(
    (_req, _b, res) => res.writeHead(200).end('<html>proxy error</html>'),
    async (url) => {
      await assert.rejects(fast(url, { retries: 1 }).ask('q', IMAGE, SAMPLING), /malformed reply.*gave up after 2 attempts/);
    },
  );
});

test('a server that refuses images stops at once with a clear message (no retries)', async () => {
  for (const [status, message] of [
    [500, 'image input is not supported - hint: if this is unexpected, you may need to provide the mmproj'],
    [400, 'Invalid content type. image_url is only supported by certain models.'],
  ] as const) {
    await withFake(
      (_req, _b, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: status, message } })),
      async (url) => {
        const b = fast(url);
        await assert.rejects(b.ask('q', IMAGE, SAMPLING), (e: unknown) => e instanceof HoloclipError && /does not accept images/.test(e.message) && e.message.includes(message) && /--mmproj/.test(e.message));
        assert.equal(b.requestsSent, 1);
      },
    );
  }
});

test('401 names the API key variable; other 4xx fail at once', async () => {
  await withFake(
    (_req, _b, res, n) => (n === 1 ? res.writeHead(401).end(JSON.stringify({ error: { message: 'bad key' } })) : res.writeHead(400).end(JSON.stringify({ error: { message: 'max_tokens too large' } }))),
    async (url) => {
      const b = fast(url);
      await assert.rejects(b.ask('q', IMAGE, SAMPLING), /HTTP 401: bad key.*--api-key-env/);
      await assert.rejects(b.ask('q', IMAGE, SAMPLING), /rejected the request \(HTTP 400: max_tokens too large\)/);
      assert.equal(b.requestsSent, 2);
    },
  );
});

test('connection refused is retried, then reported as such', async () => {
  let port = 0;
  await withFake(
    () => undefined,
    async (url) => {
      port = Number(new URL(url).port);
    },
  );
  const b = fast(`http://127.0.0.1:${port}`, { retries: 1, model: 'x' });
  await assert.rejects(b.ask('q', IMAGE, SAMPLING), /connection refused \(ECONNREFUSED\) \(gave up after 2 attempts\)/);
});

test('identity: --lmm must be a listed model; several models need --lmm; a text-only model is refused', async () => {
  await withFake(
    () => undefined,
    async (url) => {
      await assert.rejects(fast(url, { model: 'other' }).identity(), /has no model "other" \(it lists: tiny\)/);
      assert.equal((await fast(url, { model: 'tiny' }).identity()).model, 'tiny');
    },
  );
  const server = createServer((req, res) => {
    const data = req.url === '/a/v1/models' ? [{ id: 'm1' }, { id: 'm2' }] : [{ id: 'txt', architecture: { input_modalities: ['text'] } }];
    res.writeHead(200).end(JSON.stringify({ data }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await assert.rejects(fast(`${base}/a`).identity(), /serves several models \(m1, m2\); choose one with --lmm/);
    await assert.rejects(fast(`${base}/b`).identity(), /does not accept images for model "txt" \(its input modalities: text\)/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('answer cache: content-addressed by identity, prompt, image and sampling; half-written or foreign files are misses', async () => {
  await withTempDir(async (dir) => {
    const cache = new AnswerCache(dir);
    const identity: LmmIdentity = { backend: 'openai', model: 'tiny', reported: { id: 'tiny', meta: { n_params: 10 } } };
    const parts = { identity, prompt: 'q', imageSha256: 'a'.repeat(64), sampling: SAMPLING };
    const key = answerKey(parts);
    assert.equal(await cache.get(key), null);
    await cache.put(key, parts, { text: 'A dog', finish_reason: 'stop', completion_tokens: 2, server_ms: 5 });
    assert.equal((await cache.get(key))?.text, 'A dog');
    const variants = [
      answerKey({ ...parts, identity: { ...identity, reported: { id: 'tiny', meta: { n_params: 11 } } } }),
      answerKey({ ...parts, prompt: 'q2' }),
      answerKey({ ...parts, imageSha256: 'b'.repeat(64) }),
      answerKey({ ...parts, sampling: { ...SAMPLING, temperature: 0 } }),
      answerKey({ ...parts, sampling: { ...SAMPLING, seed: 1 } }),
    ];
    assert.equal(new Set([key, ...variants]).size, variants.length + 1);
    await fs.writeFile(cache.fileOf(key), '{"key": "');
    assert.equal(await cache.get(key), null);
    await fs.writeFile(cache.fileOf(key), JSON.stringify({ key: variants[0], text: 'x' }));
    assert.equal(await cache.get(key), null);
    assert.equal(path.dirname(cache.fileOf(key)), path.join(dir, 'lmm-answers', key.slice(0, 2)));
  });
});

test('ask pool: bounded concurrency; after a failure nothing new starts and finished work is kept', async () => {
  let inFlight = 0;
  let most = 0;
  const done: number[] = [];
  const r = await askPool([...Array(20).keys()], 3, async (i) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    await new Promise((res) => setTimeout(res, 2));
    inFlight -= 1;
    if (i === 7) throw new Error('server gone');
    done.push(i);
  });
  assert.equal(most, 3);
  assert.match(String((r.error as Error).message), /server gone/);
  assert.equal(r.completed, done.length);
  assert.ok(done.length >= 7 && done.length <= 9, `finished ${done.length}`);
  const ok = await askPool([1, 2, 3], 8, async () => undefined);
  assert.deepEqual(ok, { error: null, completed: 3 });
});

test('image payload: JPEG / PNG / WebP / GIF sent as they are; other formats re-encoded as PNG; unreadable files fail clearly', async () => {
  assert.equal(sniffMime(IMAGE.bytes), 'image/jpeg');
  assert.equal(sniffMime(Buffer.from('GIF89a....')), 'image/gif');
  assert.equal(sniffMime(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), 'image/webp');
  const tiff = await sharp(Buffer.from([10, 20, 30, 40, 50, 60]), { raw: { width: 2, height: 1, channels: 3 } }).tiff({ compression: 'lzw' }).toBuffer();
  assert.equal(sniffMime(tiff), null);
  const p = await imagePayload(tiff, 'x.tiff');
  assert.equal(p.mime, 'image/png');
  assert.equal(p.reencoded, true);
  const { data } = await sharp(p.bytes).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data], [10, 20, 30, 40, 50, 60]); // lossless
  const png = await sharp(Buffer.from([1, 2, 3]), { raw: { width: 1, height: 1, channels: 3 } }).png().toBuffer();
  const same = await imagePayload(png, 'x.png');
  assert.equal(same.bytes, png);
  assert.equal(same.reencoded, false);
  await assert.rejects(imagePayload(Buffer.from('not an image'), '/d/x.txt'), /cannot read image \/d\/x\.txt: not JPEG, PNG, WebP or GIF/);
});
