/**
 * Backend `openai`: any OpenAI-compatible chat-completions server (llama.cpp's llama-server, vLLM, Ollama, SGLang,
 * LM Studio, OpenAI itself). The image goes as a base64 data URL in an `image_url` content part, before the text.
 *
 * Failures: 429, 5xx, connection errors, timeouts and malformed replies are retried with exponential backoff
 * (`Retry-After` honoured); after the last retry, or at once for other 4xx, a HoloclipError says what happened. A
 * server that refuses images (no vision model, llama-server without --mmproj) stops the run with its own words.
 */
import { HoloclipError, errorMessage } from '../errors.js';
import type { LmmBackend, LmmIdentity, LmmImage, LmmReply, Sampling } from './backend.js';

export interface OpenAiBackendOptions {
  /** Base URL: `http://host:port` or `.../v1` (a `/chat/completions` tail is dropped). */
  readonly endpoint: string;
  /** The `model` sent; absent: the only model the server lists. */
  readonly model?: string;
  /** Bearer token (read from an environment variable by the caller). */
  readonly apiKey?: string;
  readonly timeoutMs: number;
  /** Retries after the first attempt. */
  readonly retries: number;
  /** First backoff; doubles each retry (capped at 60 s). */
  readonly backoffMs: number;
  /** Told about each retry (e.g. the progress log). */
  readonly onRetry?: (message: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** `http://h:8080` -> `http://h:8080/v1`; `.../v1/` and `.../v1/chat/completions` -> `.../v1`. */
export function apiBase(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new HoloclipError(`--endpoint ${JSON.stringify(endpoint)} is not a URL (e.g. http://127.0.0.1:8080 or https://host/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HoloclipError(`--endpoint ${endpoint}: only http:// and https:// URLs are supported`);
  if (url.username || url.password) throw new HoloclipError(`--endpoint ${url.host}: put credentials in the API key environment variable, not in the URL`);
  let p = url.pathname.replace(/\/+$/, '').replace(/\/chat\/completions$/, '');
  if (!/\/v\d+[a-z]*$/.test(p)) p = `${p}/v1`;
  return `${url.origin}${p}`;
}

/** Server replies that mean "this model / server takes no images". */
const IMAGES_REFUSED = /image input is not supported|mmproj|does not support (image|vision|multimodal)|not a multimodal|image_url is only supported|multimodal.*not (supported|enabled)|vision.*not (supported|enabled)|cannot (read|process) images?/i;

/** The error text of a failed reply (OpenAI's {"error":{"message"}} or the body itself), one line, bounded. */
function errorText(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const m = typeof j.error === 'string' ? j.error : j.error?.message ?? j.message ?? j.detail;
    if (typeof m === 'string') return m.slice(0, 500);
  } catch {
    // not JSON
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 500);
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

function retryAfter(h: string | null): number | null {
  if (h === null) return null;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}

/** "connection refused (ECONNREFUSED)" from undici's `fetch failed` and its cause. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const known: Record<string, string> = { ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', EPIPE: 'connection closed', ENOTFOUND: 'host not found', EAI_AGAIN: 'host name lookup failed', ETIMEDOUT: 'connection timed out', UND_ERR_SOCKET: 'connection closed by the server', UND_ERR_CLOSED: 'connection closed' };
  if (code) return `${known[code] ?? 'network error'} (${code})`;
  return typeof cause?.message === 'string' ? cause.message : errorMessage(err);
}

export class OpenAiBackend implements LmmBackend {
  readonly kind = 'openai';
  readonly endpoint: string;
  private sent = 0;
  private modelName: string | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: OpenAiBackendOptions) {
    this.endpoint = apiBase(o.endpoint);
    this.modelName = o.model;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get requestsSent(): number {
    return this.sent;
  }

  private headers(json: boolean): Record<string, string> {
    return { accept: 'application/json', ...(json ? { 'content-type': 'application/json' } : {}), ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}) };
  }

  /** The model's entry in GET /models (retried like a question), without its `created` time and the server's context size. */
  async identity(): Promise<LmmIdentity> {
    const url = `${this.endpoint}/models`;
    const body = await this.withRetries('listing the models', async () => {
      const res = await this.fetchOnce(url, { method: 'GET', headers: this.headers(false) });
      const text = await res.text();
      if (res.status === 404) return null;
      this.checkStatus(res, text, false);
      return this.parseJson(text, 'the model list');
    });
    const entries = body === null ? [] : (body as { data?: unknown }).data;
    if (!Array.isArray(entries)) {
      if (body !== null) throw new HoloclipError(`${url} did not return an OpenAI model list ({"data": [...]})`);
    }
    const list = (Array.isArray(entries) ? entries : []).filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string');
    const ids = list.map((e) => String(e.id));
    let entry: Record<string, unknown> | undefined;
    if (this.modelName !== undefined) {
      entry = list.find((e) => e.id === this.modelName || (Array.isArray(e.aliases) && e.aliases.includes(this.modelName)));
      if (!entry && list.length > 0) throw new HoloclipError(`the server at ${this.endpoint} has no model "${this.modelName}" (it lists: ${ids.join(', ')}); give one of them with --lmm`);
    } else {
      if (list.length !== 1) throw new HoloclipError(list.length === 0 ? `the server at ${this.endpoint} lists no models (GET /models); name the model with --lmm` : `the server at ${this.endpoint} serves several models (${ids.join(', ')}); choose one with --lmm`);
      entry = list[0];
      this.modelName = String(entry.id);
    }
    const model = this.modelName as string;
    if (!entry) return { backend: this.kind, model, reported: { id: model, note: 'the server has no GET /models: identified by name only' } };
    // llama-server says what the loaded model takes; without a projector there is no "image".
    const modalities = (entry.architecture as { input_modalities?: unknown } | undefined)?.input_modalities;
    if (Array.isArray(modalities) && !modalities.includes('image')) {
      throw new HoloclipError(`the server at ${this.endpoint} does not accept images for model "${model}" (its input modalities: ${modalities.join(', ')}); serve a vision model (llama-server: add --mmproj <projector.gguf>)`);
    }
    const { created: _created, ...rest } = entry;
    const meta = rest.meta;
    if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
      const { n_ctx: _nctx, ...m } = meta as Record<string, unknown>;
      rest.meta = m;
    }
    return { backend: this.kind, model, reported: rest };
  }

  async ask(prompt: string, image: LmmImage, sampling: Sampling): Promise<LmmReply> {
    if (this.modelName === undefined) await this.identity();
    const payload = JSON.stringify({
      model: this.modelName,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:${image.mime};base64,${image.bytes.toString('base64')}` } }, { type: 'text', text: prompt }] }],
      temperature: sampling.temperature,
      max_tokens: sampling.max_tokens,
      ...(sampling.seed === null ? {} : { seed: sampling.seed }),
      stream: false,
    });
    return this.withRetries('asking', async () => {
      this.sent += 1;
      const res = await this.fetchOnce(`${this.endpoint}/chat/completions`, { method: 'POST', headers: this.headers(true), body: payload });
      const text = await res.text();
      this.checkStatus(res, text, true);
      const j = this.parseJson(text, 'a chat completion') as { choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>; usage?: { completion_tokens?: unknown }; timings?: { prompt_ms?: unknown; predicted_ms?: unknown } };
      const choice = Array.isArray(j.choices) ? j.choices[0] : undefined;
      const content = choice?.message?.content;
      if (typeof content !== 'string') throw new Retryable(`malformed reply: no choices[0].message.content string in ${text.slice(0, 200)}`);
      return {
        text: content,
        finish_reason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
        completion_tokens: typeof j.usage?.completion_tokens === 'number' ? j.usage.completion_tokens : null,
        server_ms: typeof j.timings?.prompt_ms === 'number' && typeof j.timings.predicted_ms === 'number' ? j.timings.prompt_ms + j.timings.predicted_ms : null,
      };
    });
  }

  private async fetchOnce(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.o.timeoutMs) });
    } catch (err) {
      const name = (err as { name?: unknown }).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new Retryable(`no reply within ${this.o.timeoutMs / 1000} s (timeout)`);
      throw new Retryable(networkReason(err));
    }
  }

  private checkStatus(res: Response, body: string, withImage: boolean): void {
    if (res.ok) return;
    const msg = errorText(body);
    if (withImage && IMAGES_REFUSED.test(msg)) {
      throw new HoloclipError(`the server at ${this.endpoint} does not accept images for model "${this.modelName}" (HTTP ${res.status}: ${msg}); serve a vision model (llama-server: add --mmproj <projector.gguf>)`);
    }
    if (res.status === 429 || res.status >= 500) throw new Retryable(`HTTP ${res.status}${msg ? `: ${msg}` : ''}`, retryAfter(res.headers.get('retry-after')));
    if (res.status === 401 || res.status === 403) throw new HoloclipError(`the server at ${this.endpoint} refused the request (HTTP ${res.status}: ${msg}); set the API key in the environment variable named by --api-key-env`);
    throw new HoloclipError(`the server at ${this.endpoint} rejected the request (HTTP ${res.status}: ${msg})`);
  }

  private parseJson(text: string, what: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Retryable(`malformed reply: ${what} that is not JSON (${JSON.stringify(text.slice(0, 120))})`);
    }
  }

  private async withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof Retryable)) throw err;
        if (i >= this.o.retries) {
          throw new HoloclipError(`the server at ${this.endpoint} failed ${what}: ${err.message} (gave up after ${i + 1} attempt${i === 0 ? '' : 's'})`);
        }
        const backoff = Math.min(60_000, this.o.backoffMs * 2 ** i);
        const wait = Math.min(60_000, Math.max(backoff, err.retryAfterMs ?? 0));
        this.o.onRetry?.(`${this.endpoint}: ${err.message}; retry ${i + 1}/${this.o.retries} in ${(wait / 1000).toFixed(1)} s`);
        await this.sleep(wait);
      }
    }
  }
}
