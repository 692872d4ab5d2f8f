import { describe, it } from 'vitest';

/**
 * `describe` when an outside service (PostgreSQL, Redis) answers. When it does not: on a dev laptop
 * the suite is skipped LOUDLY (a console warning and a skipped test that says why); under CI=true it
 * fails instead, so CI can never go green by skipping.
 *
 * @example
 *   const down = await postgresUnavailable();
 *   describeWithService(down, 'Postgres driver', () => { … });
 */
export function describeWithService(unavailableReason: string | null, name: string, body: () => void) {
  if (!unavailableReason) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it('needs its outside service', () => {
        throw new Error(`${unavailableReason} (CI=true: integration suites must not skip)`);
      });
    });
  }
  console.warn(`\n⚠️  SKIPPING "${name}": ${unavailableReason}\n`);
  return describe(name, () => {
    it.skip(`skipped: ${unavailableReason}`, () => {});
  });
}

/**
 * Why Redis at `url` cannot be used (null when it answers PING), for `describeWithService`.
 *
 * @example
 *   const down = await redisUnavailable();
 *   describeWithService(down, 'two Motors share rooms through Redis', () => { … });
 */
export async function redisUnavailable(
  url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
): Promise<string | null> {
  const { hostname, port } = new URL(url);
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (reason: string | null) => (s.destroy(), resolve(reason));
    s.setTimeout(1500, () => done(`Redis not reachable at ${hostname}:${port || 6379} (timed out)`));
    s.once('error', (e) => done(`Redis not reachable at ${hostname}:${port || 6379} (${e.message})`));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) =>
      done(d.toString().startsWith('+PONG') ? null : `Redis at ${hostname} answered ${d.toString().trim()}`),
    );
  });
}
