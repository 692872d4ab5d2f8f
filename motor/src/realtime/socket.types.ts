import type { ClientToServerEvents, ServerToClientEvents } from '@atende/shared';
import type { Server, Socket } from 'socket.io';
import type { AuthContext } from '../services/auth.types.js';

/** Who a socket belongs to, fixed at the handshake. */
export type SocketAuth = AuthContext;

/** Nothing is sent between Motor processes except through the adapter's own broadcasts. */
export type InterServerEvents = Record<string, never>;

export interface SocketData {
  auth: SocketAuth;
}

export type RealtimeServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/** The only rooms a socket is ever in (besides its own id): chosen by the server, never by the client. */
export const accountRoom = (accountId: string) => `account:${accountId}`;
export const userRoom = (userId: string) => `user:${userId}`;
/** Every tab of one login: logout and session revocation close exactly these, on every process. */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
