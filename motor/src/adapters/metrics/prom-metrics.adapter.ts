import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsPort } from '../../ports/metrics.port.js';

const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15];

/**
 * The metrics port on prom-client, with its own registry (several Motors in one test process do
 * not share counters) and Node's default process metrics (RSS, event-loop lag, GC).
 *
 * @example
 *   const metrics = new PromMetrics();
 *   metrics.webhook('messages.upsert', 'ok', 0.004);
 *   const { contentType, body } = await metrics.render();
 */
export class PromMetrics implements MetricsPort {
  private readonly registry = new Registry();
  private readonly webhooks = new Counter({
    name: 'atende_webhooks_total',
    help: 'Webhooks answered, by gateway event and outcome (ok, ignored, or the error code)',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly ingestSeconds = new Histogram({
    name: 'atende_webhook_ingest_seconds',
    help: 'Time from a webhook arriving at the intake to its change committed and published',
    labelNames: ['event'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly broadcast = new Counter({
    name: 'atende_events_broadcast_total',
    help: 'Durable events handed to the realtime publisher (Socket.IO rooms)',
    registers: [this.registry],
  });
  private readonly gatewayCalls = new Counter({
    name: 'atende_evolution_calls_total',
    help: 'WhatsApp gateway (Evolution API) calls by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly gatewaySeconds = new Histogram({
    name: 'atende_evolution_call_seconds',
    help: 'WhatsApp gateway (Evolution API) call latency by operation',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly llmCalls = new Counter({
    name: 'atende_groq_calls_total',
    help: 'Language-model (Groq) calls by operation (complete, transcribe) and outcome (ok, timeout, rate_limited, server_error, network, empty, rejected, error)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly llmSeconds = new Histogram({
    name: 'atende_groq_call_seconds',
    help: 'Language-model (Groq) call latency by operation',
    labelNames: ['operation'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [this.registry],
  });
  private readonly outboxSends = new Counter({
    name: 'atende_outbox_sends_total',
    help: 'Outbox attempts recorded, by kind (reply, ai, campaign, optout, media) and outcome (sent, retry, or the failure reason); kind="campaign" are the campaign sends',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly campaignsQueued = new Counter({
    name: 'atende_campaign_messages_queued_total',
    help: 'Campaign recipients turned into queued messages by this process (paced per number)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'atende_' });
  }

  webhook(event: string, outcome: string, seconds: number): void {
    this.webhooks.inc({ event, outcome });
    if (outcome === 'ok') this.ingestSeconds.observe({ event }, seconds);
  }

  eventsBroadcast(count: number): void {
    this.broadcast.inc(count);
  }

  gatewayCall(operation: string, outcome: 'ok' | 'error', seconds: number): void {
    this.gatewayCalls.inc({ operation, outcome });
    this.gatewaySeconds.observe({ operation }, seconds);
  }

  llmCall(operation: string, outcome: string, seconds: number): void {
    this.llmCalls.inc({ operation, outcome });
    this.llmSeconds.observe({ operation }, seconds);
  }

  outboxSend(kind: string, outcome: string): void {
    this.outboxSends.inc({ kind, outcome });
  }

  campaignQueued(): void {
    this.campaignsQueued.inc();
  }

  gauge(name: 'sockets_connected', read: () => number): void;
  gauge(name: 'outbox_depth', read: () => Promise<Record<'pending' | 'sending', number>>): void;
  gauge(name: 'sockets_connected' | 'outbox_depth', read: () => number | Promise<Record<string, number>>): void {
    if (name === 'sockets_connected') {
      new Gauge({
        name: 'atende_sockets_connected',
        help: 'Socket.IO clients connected to this process',
        registers: [this.registry],
        collect() {
          this.set(read() as number);
        },
      });
      return;
    }
    new Gauge({
      name: 'atende_outbox_depth',
      help: 'Outbox rows not yet sent or failed, by status (pending: waiting for their time; sending: claimed), read from the database at each scrape (the same on every process)',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        // A database that does not answer leaves the last value; the scrape itself still answers.
        const depth = await (read() as Promise<Record<string, number>>).catch(() => null);
        if (depth) for (const [status, n] of Object.entries(depth)) this.set({ status }, n);
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
