import type http from 'node:http';
import { Server } from 'socket.io';
import type { RealtimeServer } from './socket.types.js';

/** Largest client → server message: commands are tiny UUID payloads. */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

/**
 * The Socket.IO server, not yet attached (createMotor attaches it to the Motor's HTTP server).
 * Same origin by default (no CORS headers; DASHBOARD_ORIGINS adds CORS); path `/socket.io`.
 *
 * @example
 *   const io = createSocketServer();
 *   io.attach(httpServer);
 */
export function createSocketServer(
  opts: { httpServer?: http.Server; dashboardOrigins?: readonly string[] } = {},
): RealtimeServer {
  const origins = opts.dashboardOrigins ?? [];
  const io: RealtimeServer = new Server({
    // Cross-origin mode only (DASHBOARD_ORIGINS): those exact origins, with cookies.
    ...(origins.length ? { cors: { origin: [...origins], credentials: true } } : {}),
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    // The server's own recovery would replay only what this process buffered; the event log is
    // the single source of truth for catch-up across processes and restarts.
    connectionStateRecovery: undefined,
  });
  if (opts.httpServer) io.attach(opts.httpServer);
  return io;
}
