import type { ErrorCode } from '@atende/shared';
import { isAppError } from '../errors.js';
import { credentialsOf, type Credentials } from '../edge/credentials.js';
import { isAllowedOrigin } from '../edge/origin.js';
import type { Logger } from '../logger.js';
import type { RealtimeSocket, SocketAuth } from './socket.types.js';

/** The handshake's credentials, kept out of `socket.data` (which fetchSockets() would serialize). */
const credentials = new WeakMap<object, Credentials>();

/**
 * Re-checks a connected socket's session every `everyMs` and disconnects it once the session
 * is gone (logout, password change, removal from the team, expiry), so a revoked agent stops
 * receiving the account's events within that delay. A database that does not answer is not a
 * revocation: the socket stays.
 *
 * @example
 *   io.on('connection', (socket) => recheckSession(socket, { auth, logger, everyMs: 300_000 }));
 */
export function recheckSession(
  socket: RealtimeSocket,
  opts: { auth: SocketAuthenticator; logger: Logger; everyMs: number },
): void {
  const timer = setInterval(() => {
    const cred = credentials.get(socket);
    if (!cred || !socket.connected) return clearInterval(timer);
    opts.auth.authenticate(cred).then(
      (auth) => {
        if (auth.userId !== socket.data.auth.userId || auth.accountId !== socket.data.auth.accountId)
          socket.disconnect(true);
        else socket.data.auth = auth; // a new name or role shows from now on
      },
      (err) => {
        if (isAppError(err) && err.code === 'unauthenticated') {
          opts.logger.info({ userId: socket.data.auth.userId }, 'session ended; disconnecting its socket');
          socket.disconnect(true);
        }
      },
    );
  }, opts.everyMs);
  timer.unref();
  socket.once('disconnect', () => clearInterval(timer));
}

/** What the handshake needs from the auth service (services/auth.service.ts). */
export interface SocketAuthenticator {
  authenticate(input: Credentials): Promise<SocketAuth>;
}

export interface SocketAuthOptions {
  auth: SocketAuthenticator;
  /** For the Origin rule (edge/origin.ts): a foreign Origin is refused, none is allowed. */
  publicUrl: string;
  /** DASHBOARD_ORIGINS (cross-origin mode). */
  dashboardOrigins?: readonly string[];
  logger: Logger;
}

/**
 * Socket.IO handshake middleware: checks the Origin, then authenticates the session cookie or
 * `auth.token` (or an `Authorization: Bearer` header) and stores the result in `socket.data.auth`.
 * Refusals reach the client as `connect_error` whose message is a known error code:
 * `forbidden`, `unauthenticated`, or `unavailable` when the database does not answer (so the
 * client retries instead of treating the session as gone).
 *
 * @example
 *   io.use(socketAuth({ auth: authService, publicUrl: config.publicUrl, logger }));
 */
export function socketAuth(opts: SocketAuthOptions) {
  return async function socketAuthMiddleware(socket: RealtimeSocket, next: (err?: Error) => void) {
    const headers = socket.request.headers;
    if (
      !isAllowedOrigin({
        origin: headers.origin,
        host: headers.host,
        publicUrl: opts.publicUrl,
        dashboardOrigins: opts.dashboardOrigins,
      })
    ) {
      return next(new Error('forbidden'));
    }

    const cred = credentialsOf(headers, socket.handshake.auth);
    if (!cred.cookieHeader && !cred.bearerToken) return next(new Error('unauthenticated'));
    try {
      socket.data.auth = await opts.auth.authenticate(cred);
      credentials.set(socket, cred);
      next();
    } catch (err) {
      const code: ErrorCode =
        isAppError(err) && err.code === 'unavailable' ? 'unavailable' : 'unauthenticated';
      if (!isAppError(err) || (err.code !== 'unauthenticated' && err.code !== 'unavailable')) {
        opts.logger.error({ err }, 'socket handshake failed');
      }
      next(new Error(code));
    }
  };
}
