/** What holoclip asks of a multimodal LLM, whatever serves it (an OpenAI-compatible server today). */

/** Sampling settings sent with every question; part of an answer's cache key. */
export interface Sampling {
  readonly temperature: number;
  readonly max_tokens: number;
  /** Sent as `seed` (llama.cpp, vLLM, OpenAI honour it); null: not sent. */
  readonly seed: number | null;
}

/** One image as sent: its bytes and media type. */
export interface LmmImage {
  readonly bytes: Buffer;
  readonly mime: string;
}

export interface LmmReply {
  readonly text: string;
  readonly finish_reason: string | null;
  readonly completion_tokens: number | null;
  /** The server's own compute time for the request, when it reports one (llama.cpp's `timings`), in ms. */
  readonly server_ms: number | null;
}

/**
 * Who answers: the backend and the model as the server reports it (its entry in /v1/models, without fields that
 * change from one start to the next). Part of every answer's cache key, so a different model never reuses answers.
 */
export interface LmmIdentity {
  readonly backend: string;
  readonly model: string;
  readonly reported: Readonly<Record<string, unknown>>;
}

export interface LmmBackend {
  readonly kind: string;
  /** Where the server is, for messages and results (no credentials). */
  readonly endpoint: string;
  identity(): Promise<LmmIdentity>;
  /** One question about one image; retries what can be retried, then throws a HoloclipError. */
  ask(prompt: string, image: LmmImage, sampling: Sampling): Promise<LmmReply>;
  /** Chat requests sent so far (retries included). */
  readonly requestsSent: number;
}
