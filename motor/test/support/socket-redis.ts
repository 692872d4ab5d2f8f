import net from 'node:net';

/** The Redis the integration tier uses (override with TEST_REDIS_URL). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Null when Redis answers PING at TEST_REDIS_URL, else why not (for describeWithService).
 *
 * @example
 *   const down = (await postgresUnavailable()) ?? (await redisUnavailable());
 */
export function redisUnavailable(url = TEST_REDIS_URL): Promise<string | null> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    let answer = '';
    s.setTimeout(1500);
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (b) => {
      answer += b.toString();
      if (answer.includes('\r\n')) {
        s.destroy();
        resolve(/^\+PONG/.test(answer) ? null : `Redis at ${u.host} answered ${JSON.stringify(answer.trim())}`);
      }
    });
    s.once('timeout', () => (s.destroy(), resolve(`Redis not reachable at ${u.host} (timed out)`)));
    s.once('error', (e) => resolve(`Redis not reachable at ${u.host} (${e.message})`));
  });
}
