import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The one logging sink. Secrets never reach it: request bodies are not logged, and these paths
 * are redacted wherever they appear.
 *
 * @example
 *   const log = createLogger({ level: 'info' });
 */
export function createLogger(opts: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  const options = {
    level: opts.level,
    redact: {
      paths: [
        'password',
        '*.password',
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-motor-token"]',
        'headers.cookie',
        'headers.authorization',
        'apikey',
        '*.apikey',
        'token',
        '*.token',
        'secret',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  };
  // `destination` lets tests capture the output (e.g. to prove no secret is ever written).
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
