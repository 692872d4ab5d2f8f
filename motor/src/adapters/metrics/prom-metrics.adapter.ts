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

  gauge(name: 'sockets_connected', read: () => number): void {
    new Gauge({
      name: `atende_${name}`,
      help: 'Socket.IO clients connected to this process',
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
