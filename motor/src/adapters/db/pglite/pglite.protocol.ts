/** Messages between the PGlite driver (main thread) and its worker (pglite.worker.js). */

export interface PgliteInit {
  /** A data directory on disk, or undefined for memory. */
  dataDir?: string;
  /** A dump made by `dumpDataDir` to boot from (tests clone a migrated database this way). */
  loadDumpPath?: string;
}

export type WorkerRequest =
  | { kind: 'call'; id: number; sql: string; params: unknown[] }
  /** An `app.ingest_message` call, its arguments as JSON text: queued ones run as one `app.ingest_messages`. */
  | { kind: 'ingest'; id: number; item: string }
  | { kind: 'exec'; id: number; sql: string }
  | { kind: 'query'; id: number; sql: string; params?: unknown[] }
  | { kind: 'dump'; id: number; path: string }
  | { kind: 'close'; id: number };

export type WorkerResponse =
  | { kind: 'ready' }
  | { kind: 'init-error'; message: string }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: { code?: string; message: string } };
