import type { ClientToServerEvents, ReadyPayload, ServerToClientEvents } from '@atende/shared';
import { io, type Socket } from 'socket.io-client';
import { RealtimeClient, type ConnectionState, type RealtimeSocket } from './realtime-client';
import { motorUrl } from '$lib/config';
import { accessToken, bearerMode, withCredentials } from '$lib/api/token';

export type { ConnectionState } from './realtime-client';

/**
 * The rune wrapper around the one `RealtimeClient`: a reactive `state` for the shell, explicit
 * connect/disconnect, and `firstReady` so lists load only after the starting `seq` is known.
 *
 * @example
 * realtime.connect();
 * await realtime.firstReady;
 * await inbox.loadList();
 */
class Realtime {
  state = $state<ConnectionState>('offline');
  readonly client: RealtimeClient;
  firstReady: Promise<ReadyPayload | null> = Promise.resolve(null);
  #offNetwork: (() => void) | null = null;

  constructor() {
    this.client = new RealtimeClient({
      // Catch-up goes to the Motor too, with the same credentials as every other call.
      baseUrl: motorUrl,
      fetch: (url, init) => globalThis.fetch(url, withCredentials(init)),
      createSocket: () => {
        const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(motorUrl || undefined, {
          path: '/socket.io',
          autoConnect: false,
          // Cross-site mode: the bearer token, read again at every (re)connect so a renewed one is used.
          withCredentials: !bearerMode,
          auth: (cb) => cb(bearerMode ? { token: accessToken() ?? '' } : {}),
          transports: ['websocket', 'polling'],
        });
        return socket as unknown as RealtimeSocket;
      },
    });
    this.client.on('state', (s) => (this.state = s));
  }

  /** Opens the socket; resolves `firstReady` on the first `ready` (or after 5 s without one). */
  connect(): void {
    if (this.#offNetwork) return;
    this.firstReady = new Promise((resolve) => {
      const off = this.client.on('ready', (p) => {
        off();
        resolve(p);
      });
      setTimeout(() => resolve(null), 5000);
    });
    this.client.connect();
    const online = () => this.client.setNetworkOnline(true);
    const offline = () => this.client.setNetworkOnline(false);
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    this.#offNetwork = () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  }

  disconnect(): void {
    this.#offNetwork?.();
    this.#offNetwork = null;
    this.client.disconnect();
  }
}

export const realtime = new Realtime();
