import Groq, { APIConnectionTimeoutError, APIConnectionError, APIError, toFile } from 'groq-sdk';
import { LlmError, type Llm, type LlmCompletion, type LlmMessage } from '../../ports/llm.port.js';

export interface GroqLlmOptions {
  apiKey: string;
  /** GROQ_BASE_URL; unset = Groq's own. */
  baseUrl?: string;
  /** Per call; the contract's 20 s. */
  timeoutMs?: number;
}

/**
 * The `llm` port over groq-sdk: chat completions and Whisper transcriptions. The SDK's own retries
 * are off (the responder decides: at most 2, honouring retry-after); every failure is an LlmError
 * with a stable kind. The API key never appears in an error message.
 *
 * @example
 *   const llm = new GroqLlm({ apiKey: config.groq.apiKey, baseUrl: config.groq.baseUrl });
 *   const { text } = await llm.complete({ model: 'llama-3.3-70b-versatile', messages });
 */
export class GroqLlm implements Llm {
  private readonly client: Groq;

  constructor(opts: GroqLlmOptions) {
    this.client = new Groq({
      apiKey: opts.apiKey,
      baseURL: opts.baseUrl ?? null,
      timeout: opts.timeoutMs ?? 20_000,
      maxRetries: 0,
    });
  }

  async complete(input: {
    model: string;
    messages: LlmMessage[];
    maxTokens?: number;
    temperature?: number;
  }): Promise<LlmCompletion> {
    let r;
    try {
      r = await this.client.chat.completions.create({
        model: input.model,
        messages: input.messages,
        max_tokens: input.maxTokens ?? 512,
        temperature: input.temperature ?? 0.3,
      });
    } catch (err) {
      throw toLlmError(err);
    }
    const text = r.choices?.[0]?.message?.content?.trim() ?? '';
    if (!text) throw new LlmError('empty', 'the model answered without text');
    const u = r.usage;
    return {
      text,
      model: r.model ?? input.model,
      usage: u
        ? {
            promptTokens: u.prompt_tokens ?? 0,
            completionTokens: u.completion_tokens ?? 0,
            totalTokens: u.total_tokens ?? 0,
          }
        : null,
    };
  }

  async transcribe(
    audio: Uint8Array,
    mime: string,
    opts: { language?: string; model?: string } = {},
  ): Promise<{ text: string }> {
    const ext = mime.split('/')[1]?.split(';')[0] || 'ogg';
    try {
      const r = await this.client.audio.transcriptions.create({
        file: await toFile(audio, `audio.${ext}`, { type: mime }),
        model: opts.model ?? 'whisper-large-v3-turbo',
        language: opts.language ?? 'pt',
        response_format: 'json',
      });
      return { text: (r.text ?? '').trim() };
    } catch (err) {
      throw toLlmError(err);
    }
  }
}

function toLlmError(err: unknown): LlmError {
  if (err instanceof LlmError) return err;
  if (err instanceof APIConnectionTimeoutError) return new LlmError('timeout', 'Groq did not answer in time');
  if (err instanceof APIConnectionError) return new LlmError('network', 'Groq could not be reached');
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    if (status === 429)
      return new LlmError('rate_limited', 'Groq is rate limiting', {
        status,
        retryAfterMs: retryAfterMs(err.headers),
      });
    if (status >= 500) return new LlmError('server_error', `Groq failed (HTTP ${status})`, { status });
    return new LlmError('rejected', `Groq refused the request (HTTP ${status})`, { status });
  }
  return new LlmError('network', `Groq call failed: ${err instanceof Error ? err.name : 'unknown error'}`);
}

/** `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const v = headers?.get('retry-after');
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
