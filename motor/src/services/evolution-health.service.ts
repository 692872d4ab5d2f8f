import type { EvolutionHealth } from '@atende/shared';
import type { Logger } from '../logger.js';
import type { WhatsAppGateway } from '../ports/whatsapp.port.js';

/** Statuses that are configuration faults: the Motor cannot work until someone fixes them. */
export const EVOLUTION_CONFIG_FAULTS: readonly EvolutionHealth['status'][] = [
  'key_rejected',
  'unsupported_version',
  'licence_locked',
];

/**
 * The Evolution API's health as the Motor sees it (reachable, key accepted, 2.3.x), checked at
 * start-up and by `/readyz`, shown in the overview. Cached for `ttlMs` so probes do not hammer
 * Evolution; concurrent callers share one check. A change of status is logged once.
 *
 * @example
 *   const health = new EvolutionHealthService({ whatsapp, logger });
 *   const h = await health.current(); // { status: 'ok', version: '2.3.6', … }
 */
export class EvolutionHealthService {
  private last: EvolutionHealth | null = null;
  private lastAt = 0;
  private inflight: Promise<EvolutionHealth> | null = null;

  constructor(
    private readonly deps: { whatsapp: Pick<WhatsAppGateway, 'health'>; logger: Logger; ttlMs?: number },
  ) {}

  /** The last result if fresh, else a new check. */
  current(): Promise<EvolutionHealth> {
    if (this.last && Date.now() - this.lastAt < (this.deps.ttlMs ?? 10_000))
      return Promise.resolve(this.last);
    return this.check();
  }

  /** A new check now (shared with concurrent callers). */
  check(): Promise<EvolutionHealth> {
    this.inflight ??= Promise.resolve()
      .then(() => this.deps.whatsapp.health())
      .catch((err: unknown): EvolutionHealth => ({
        status: 'unreachable',
        version: null,
        simulated: false,
        message: `the Evolution check failed: ${(err as Error)?.message ?? String(err)}`,
        checkedAt: new Date().toISOString(),
      }))
      .then((h) => {
        if (h.status !== this.last?.status) {
          const log =
            h.status === 'ok'
              ? this.deps.logger.info.bind(this.deps.logger)
              : this.deps.logger.error.bind(this.deps.logger);
          log({ evolution: h }, `Evolution API: ${h.message}`);
        }
        this.last = h;
        this.lastAt = Date.now();
        return h;
      })
      .finally(() => (this.inflight = null));
    return this.inflight;
  }
}
