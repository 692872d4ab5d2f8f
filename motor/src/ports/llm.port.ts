/**
 * The LLM port: what the AI responder (and the media transcriber) need from a language model.
 * adapters/groq/ is the implementation (groq-sdk); tests feed the real adapter a local
 * OpenAI-compatible server (test/support/fake-groq.ts).
 */

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface LlmCompletion {
  /** The answer, trimmed; never empty (an empty answer is an LlmError `empty`). */
  text: string;
  model: string;
  usage: LlmUsage | null;
}

/**
 * Why a call failed, as a stable kind: `timeout` (no answer in time), `rate_limited` (429, with
 * `retryAfterMs` when the server said), `server_error` (5xx), `network` (could not connect),
 * `empty` (an answer without text), `rejected` (4xx other than 429: bad key, unknown model…).
 */
export type LlmFailureKind = 'timeout' | 'rate_limited' | 'server_error' | 'network' | 'empty' | 'rejected';

export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    readonly kind: LlmFailureKind,
    message: string,
    readonly opts: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
  }
}

export interface Llm {
  /** One chat completion. Rejects with an LlmError; makes no retries of its own. */
  complete(input: {
    model: string;
    messages: LlmMessage[];
    maxTokens?: number;
    temperature?: number;
  }): Promise<LlmCompletion>;
  /** Speech to text (a voice note): `audio` bytes of type `mime` (e.g. audio/ogg). Rejects with an LlmError. */
  transcribe(
    audio: Uint8Array,
    mime: string,
    opts?: { language?: string; model?: string },
  ): Promise<{ text: string }>;
}
