import { describe, expect, it } from 'vitest';
import { timedLlm } from '../../src/adapters/metrics/instrumented.js';
import { PromMetrics } from '../../src/adapters/metrics/prom-metrics.adapter.js';
import { LlmError, type Llm } from '../../src/ports/llm.port.js';

const sample = (text: string, line: RegExp) => Number(text.split('\n').find((l) => line.test(l))?.split(' ').pop());

describe('timedLlm — Groq calls by outcome and latency', () => {
  it('counts ok calls and each LlmError kind, times every call, and passes answers and errors through', async () => {
    let fail: LlmError | Error | null = null;
    const inner: Llm = {
      async complete() {
        if (fail) throw fail;
        return { text: 'olá', model: 'm', usage: null };
      },
      async transcribe() {
        return { text: 'áudio' };
      },
    };
    const metrics = new PromMetrics();
    const llm = timedLlm(inner, metrics);
    await expect(llm.complete({ model: 'm', messages: [] })).resolves.toMatchObject({ text: 'olá' });
    fail = new LlmError('rate_limited', '429');
    await expect(llm.complete({ model: 'm', messages: [] })).rejects.toBe(fail);
    fail = new Error('bug');
    await expect(llm.complete({ model: 'm', messages: [] })).rejects.toThrow('bug');
    await expect(llm.transcribe(new Uint8Array(1), 'audio/ogg')).resolves.toEqual({ text: 'áudio' });

    const { body } = await metrics.render();
    expect(sample(body, /^atende_groq_calls_total\{operation="complete",outcome="ok"\}/)).toBe(1);
    expect(sample(body, /^atende_groq_calls_total\{operation="complete",outcome="rate_limited"\}/)).toBe(1);
    expect(sample(body, /^atende_groq_calls_total\{operation="complete",outcome="error"\}/)).toBe(1);
    expect(sample(body, /^atende_groq_calls_total\{operation="transcribe",outcome="ok"\}/)).toBe(1);
    expect(sample(body, /^atende_groq_call_seconds_count\{operation="complete"\}/)).toBe(3);
  });
});
