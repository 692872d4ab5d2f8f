/**
 * What services record for operations (Prometheus at GET /metrics, docs/operations.md). Each call
 * is cheap and never throws; `NO_METRICS` records nothing.
 *
 * @example
 *   const started = performance.now();
 *   metrics.webhook('messages.upsert', 'ok', (performance.now() - started) / 1000);
 */
export interface MetricsPort {
  /** One webhook answered: the gateway's event name, `ok` / `ignored` / an error code, seconds taken. */
  webhook(event: string, outcome: string, seconds: number): void;
  /** Durable events handed to the realtime publisher. */
  eventsBroadcast(count: number): void;
  /** One WhatsApp gateway (Evolution) call: its operation, `ok` / `error`, seconds taken. */
  gatewayCall(operation: string, outcome: 'ok' | 'error', seconds: number): void;
  /** One language-model (Groq) call: `complete` / `transcribe`, `ok` or the failure kind, seconds taken. */
  llmCall(operation: string, outcome: string, seconds: number): void;
  /** One outbox row's attempt recorded: its kind (reply, ai, campaign, optout, media) and `sent`, `retry` or the failure reason. */
  outboxSend(kind: string, outcome: string): void;
  /** One campaign recipient turned into a queued message by the feeder. */
  campaignQueued(): void;
  /** Reads a gauge on each scrape: sockets connected here, or the outbox depth by status (from the database). */
  gauge(name: 'sockets_connected', read: () => number): void;
  gauge(name: 'outbox_depth', read: () => Promise<Record<'pending' | 'sending', number>>): void;
  /** The Prometheus text exposition of everything recorded so far. */
  render(): Promise<{ contentType: string; body: string }>;
}

export const NO_METRICS: MetricsPort = {
  webhook() {},
  eventsBroadcast() {},
  gatewayCall() {},
  llmCall() {},
  outboxSend() {},
  campaignQueued() {},
  gauge() {},
  render: async () => ({ contentType: 'text/plain', body: '' }),
};
