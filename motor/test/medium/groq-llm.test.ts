import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroqLlm } from '../../src/adapters/groq/groq.llm.js';
import { LlmError } from '../../src/ports/llm.port.js';
import { startFakeGroq, type FakeGroq } from '../support/fake-groq.js';

describe(GroqLlm.name, () => {
  let groq: FakeGroq;
  let llm: GroqLlm;
  const messages = [
    { role: 'system' as const, content: 'Você atende a Loja.' },
    { role: 'user' as const, content: 'Tem tênis?' },
  ];
  const failureOf = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as LlmError,
    );

  beforeAll(async () => {
    groq = await startFakeGroq();
    llm = new GroqLlm({ apiKey: 'gsk_test_secret', baseUrl: groq.url, timeoutMs: 500 });
  });
  afterAll(() => groq.close());

  it('sends one chat completion through the real groq-sdk and returns the text and token usage', async () => {
    groq.script.push({ answer: '  Temos sim!  ', usage: { prompt_tokens: 120, completion_tokens: 5 } });
    const r = await llm.complete({ model: 'llama-3.3-70b-versatile', messages });
    expect(r).toEqual({
      text: 'Temos sim!',
      model: 'llama-3.3-70b-versatile',
      usage: { promptTokens: 120, completionTokens: 5, totalTokens: 125 },
    });
    const req = groq.chats.at(-1)!;
    expect(req.path).toBe('/openai/v1/chat/completions');
    expect(req.authorization).toBe('Bearer gsk_test_secret');
    expect(req.body).toMatchObject({ model: 'llama-3.3-70b-versatile', messages });
  });

  it('maps failures to stable kinds, with retry-after, and never retries by itself', async () => {
    const before = groq.chats.length;
    groq.script.push({ status: 429, retryAfter: '2' });
    expect(await failureOf(llm.complete({ model: 'm', messages }))).toMatchObject({
      kind: 'rate_limited',
      opts: { status: 429, retryAfterMs: 2000 },
    });
    groq.script.push({ status: 503 });
    expect(await failureOf(llm.complete({ model: 'm', messages }))).toMatchObject({ kind: 'server_error' });
    groq.script.push({ status: 401 });
    expect(await failureOf(llm.complete({ model: 'm', messages }))).toMatchObject({ kind: 'rejected' });
    groq.script.push({ empty: true });
    expect(await failureOf(llm.complete({ model: 'm', messages }))).toMatchObject({ kind: 'empty' });
    groq.script.push({ stallMs: 2000 });
    const timeout = await failureOf(llm.complete({ model: 'm', messages }));
    expect(timeout).toBeInstanceOf(LlmError);
    expect(timeout).toMatchObject({ kind: 'timeout' });
    expect(groq.chats.length - before).toBe(5);
    expect(timeout!.message).not.toContain('gsk_test_secret');
  });

  it('a server that cannot be reached is `network`', async () => {
    const dead = new GroqLlm({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1', timeoutMs: 500 });
    expect(await failureOf(dead.complete({ model: 'm', messages }))).toMatchObject({ kind: 'network' });
  });

  it('transcribes audio through audio.transcriptions (multipart)', async () => {
    groq.transcripts.push('quero dois tênis');
    const r = await llm.transcribe(new Uint8Array([1, 2, 3]), 'audio/ogg; codecs=opus');
    expect(r).toEqual({ text: 'quero dois tênis' });
    const req = groq.requests.at(-1)!;
    expect(req.path).toBe('/openai/v1/audio/transcriptions');
    expect(req.contentType).toMatch(/multipart\/form-data/);
  });
});
