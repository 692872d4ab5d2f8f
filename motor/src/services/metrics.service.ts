import { notFound, unauthenticated } from '../errors.js';
import type { MetricsPort } from '../ports/metrics.port.js';
import { sameSecret } from './webhook-auth.service.js';

/**
 * The Prometheus scrape (docs/operations.md): only with METRICS_TOKEN configured (else 404, as
 * if the route did not exist), and only for `Authorization: Bearer <METRICS_TOKEN>` (else 401).
 *
 * @example
 *   const { contentType, body } = await metricsService.scrape(bearerOf(ctx.get('authorization')));
 */
export class MetricsService {
  constructor(private readonly deps: { metrics: MetricsPort; token?: string }) {}

  async scrape(bearer: string | undefined): Promise<{ contentType: string; body: string }> {
    const { token } = this.deps;
    if (!token) throw notFound('route');
    if (!bearer || !sameSecret(bearer, token)) throw unauthenticated('a valid metrics token is required');
    return this.deps.metrics.render();
  }
}
