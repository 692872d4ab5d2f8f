import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError, unavailable } from '../../../errors.js';
import type { Db } from '../../../ports/db.port.js';
import { mapDbError } from '../db-errors.js';
import { applyMigrations, loadMigrations } from '../migrations.js';
import { buildCall, isBatchableIngest } from '../sql-call.js';
import type { PgliteInit, WorkerRequest, WorkerResponse } from './pglite.protocol.js';

export interface PgliteDbOptions {
  /** Data directory on disk; omitted = in memory. */
  dataDir?: string;
  /** Boot from a dump written by `dump()` (tests: migrate once, clone per suite). */
  loadDumpPath?: string;
  migrationsDir?: string;
}

export interface PgliteDb extends Db {
  /** Names of the migrations applied at this start. */
  readonly applied: string[];
  /** Writes the whole data directory as a tarball, for cloning. */
  dump(file: string): Promise<void>;
  /** Runs a SQL script outside `call` (tests and benches: e.g. test-only helper functions). */
  exec(sql: string): Promise<void>;
}

const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pglite.worker.js');

/**
 * The embedded database: PGlite (Postgres in WASM) running in a worker thread, migrations applied
 * at start-up, concurrent calls group-committed.
 *
 * @example
 *   const db = await createPgliteDb({ dataDir: './data/pglite' });
 */
export async function createPgliteDb(opts: PgliteDbOptions = {}): Promise<PgliteDb> {
  const migrations = await loadMigrations(opts.migrationsDir);
  if (opts.dataDir) await mkdir(opts.dataDir, { recursive: true });
  const first = await open(opts, migrations);
  if (!opts.dataDir || first.applied.length === 0) return first;
  // Migrating grows PGlite's WASM memory, which never shrinks: a first start idled at ~0.8 GB
  // RSS against ~0.28 GB after a restart. So once migrations ran against a data directory, the
  // database starts again in a fresh worker (a few seconds, only when a migration was applied).
  await first.close();
  const db = await open({ dataDir: opts.dataDir }, migrations);
  return { ...db, applied: first.applied };
}

async function open(
  opts: PgliteDbOptions,
  migrations: Awaited<ReturnType<typeof loadMigrations>>,
): Promise<PgliteDb> {
  const init: PgliteInit = { dataDir: opts.dataDir, loadDumpPath: opts.loadDumpPath };
  const worker = new Worker(workerFile, { workerData: init });

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let dead: Error | null = null;

  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: WorkerResponse) => {
      if (m.kind === 'ready') {
        worker.off('message', onMessage);
        resolve();
      } else if (m.kind === 'init-error') {
        worker.off('message', onMessage);
        void worker.terminate();
        reject(new Error(`embedded database failed to start: ${m.message}`));
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });

  worker.on('message', (m: WorkerResponse) => {
    if (m.kind !== 'result' && m.kind !== 'error') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.kind === 'result') p.resolve(m.value);
    else p.reject(mapDbError(m.error));
  });
  const fail = (err: Error) => {
    dead = err;
    for (const p of pending.values()) p.reject(unavailable('the embedded database stopped', err));
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`pglite worker exited with code ${code}`)));

  type Req = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
  const send = <T>(req: Req): Promise<T> => {
    if (dead) return Promise.reject(unavailable('the embedded database stopped', dead));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id } as WorkerRequest);
    });
  };

  let applied: string[];
  try {
    applied = await applyMigrations(
      {
        exec: (sql) => send<void>({ kind: 'exec', sql }),
        query: <T>(sql: string, params?: unknown[]) => send<T[]>({ kind: 'query', sql, params }),
      },
      migrations,
      { lock: false }, // one process owns a PGlite data directory
    );
  } catch (err) {
    await worker.terminate();
    throw err;
  }

  const db: PgliteDb = {
    driver: 'pglite',
    applied,
    call<T>(fn: string, args?: Record<string, unknown>) {
      // The worker runs queued ingest calls as one statement (pglite.worker.js).
      if (isBatchableIngest(fn, args)) {
        return send<T>({ kind: 'ingest', item: JSON.stringify(args) });
      }
      let stmt;
      try {
        stmt = buildCall(fn, args);
      } catch (err) {
        return Promise.reject(new AppError('internal', (err as Error).message));
      }
      return send<T>({ kind: 'call', sql: stmt.sql, params: stmt.params });
    },
    async ping() {
      await db.call('ping');
    },
    dump: (file: string) => send<void>({ kind: 'dump', path: file }),
    exec: (sql: string) => send<void>({ kind: 'exec', sql }),
    async close() {
      if (dead) return;
      await send({ kind: 'close' }).catch(() => {});
      dead = new Error('closed');
      await worker.terminate();
    },
  };
  return db;
}
