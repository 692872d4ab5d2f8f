import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Logger } from '../logger.js';
import type { RealtimeServer } from './socket.types.js';

/**
 * Shares rooms between Motor processes through Redis pub/sub (the only importer of `redis`):
 * a broadcast to `account:<id>` on one process reaches that account's sockets on all of them.
 * Returns `close()` for shutdown. If Redis goes away, broadcasts to other processes are lost
 * for that time; clients notice the gap (or reconnect) and catch up from the event log.
 *
 * @example
 *   const redis = await useRedisAdapter({ io, url: config.redisUrl, logger });
 *   process.on('SIGTERM', () => redis.close());
 */
export async function useRedisAdapter(opts: {
  io: RealtimeServer;
  url: string;
  logger: Logger;
}): Promise<{ close(): Promise<void> }> {
  // While Redis is unreachable, do not queue publishes in memory without bound: drop them
  // (the event log has them) instead of replaying stale broadcasts later.
  const pub = createClient({ url: opts.url, disableOfflineQueue: true, socket: { connectTimeout: 5000 } });
  const sub = pub.duplicate();
  for (const [name, client] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    client.on('error', (err: Error) => opts.logger.warn({ err: err.message, client: name }, 'redis error'));
  }
  // The adapter fires publish() without awaiting it; a rejection (Redis down, offline queue
  // disabled) would be unhandled and end the process. Log it instead.
  const publish = pub.publish.bind(pub);
  pub.publish = ((...args: Parameters<typeof publish>) =>
    publish(...args).catch((err: Error) => {
      opts.logger.warn(
        { err: err.message },
        'redis publish failed; clients will catch up from the event log',
      );
      return 0;
    })) as typeof pub.publish;
  // node-redis retries a refused first connection forever; a Motor told to use Redis must say
  // so at start-up instead of hanging.
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([pub.connect(), sub.connect()]),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis at ${redactedUrl(opts.url)} did not answer within 10 s (REDIS_URL)`)),
          10_000,
        );
      }),
    ]);
  } catch (err) {
    await Promise.allSettled([pub.disconnect(), sub.disconnect()]);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  opts.io.adapter(createAdapter(pub, sub));
  opts.logger.info('socket.io rooms shared through redis');
  return {
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'REDIS_URL';
  }
}
