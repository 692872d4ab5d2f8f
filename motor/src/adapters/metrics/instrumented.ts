import { LlmError, type Llm } from '../../ports/llm.port.js';
import type { MetricsPort } from '../../ports/metrics.port.js';
import type { RealtimePublisher } from '../../ports/realtime.port.js';
import type { WhatsAppGateway } from '../../ports/whatsapp.port.js';

/**
 * The realtime publisher, counting the durable events it broadcasts; everything else (the
 * Socket.IO publisher's own controls) passes through unchanged.
 */
export function countingPublisher<T extends RealtimePublisher>(inner: T, metrics: MetricsPort): T {
  const publish: RealtimePublisher['publish'] = (events) => {
    metrics.eventsBroadcast(events.length);
    inner.publish(events);
  };
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'publish') return publish;
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The WhatsApp gateway with each async method timed and counted by outcome (its method name is the operation). */
export function timedGateway(inner: WhatsAppGateway, metrics: MetricsPort): WhatsAppGateway {
  return new Proxy(inner, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const done = (outcome: 'ok' | 'error') =>
          metrics.gatewayCall(prop, outcome, (performance.now() - started) / 1000);
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (v) => (done('ok'), v),
          (e: unknown) => {
            done('error');
            throw e;
          },
        );
      };
    },
  });
}

/** The language model with each call timed and counted by outcome (`ok`, or the LlmError's kind). */
export function timedLlm(inner: Llm, metrics: MetricsPort): Llm {
  const timed =
    <A extends unknown[], R>(operation: string, fn: (...a: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      const done = (outcome: string) => metrics.llmCall(operation, outcome, (performance.now() - started) / 1000);
      try {
        const r = await fn(...args);
        done('ok');
        return r;
      } catch (err) {
        done(err instanceof LlmError ? err.kind : 'error');
        throw err;
      }
    };
  return {
    complete: timed('complete', inner.complete.bind(inner)),
    transcribe: timed('transcribe', inner.transcribe.bind(inner)),
  };
}
