import type http from 'node:http';

/**
 * Caps what one HTTP server holds open: at most `maxConnections` sockets (MAX_CONNECTIONS;
 * Socket.IO's count too; past it new connections are closed at once instead of piling up), and
 * slow clients are cut off (headers within 20 s, a whole request within 2 min).
 *
 * @example
 *   applyServerLimits(server, { maxConnections: config.maxConnections });
 */
export function applyServerLimits(server: http.Server, opts: { maxConnections: number }): void {
  server.maxConnections = opts.maxConnections;
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
}
