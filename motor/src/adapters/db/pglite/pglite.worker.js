// @ts-check
// The PGlite worker thread. Plain JavaScript on purpose: it is loaded by `new Worker(file)`
// both from the compiled Motor and from TypeScript tests, and it depends on nothing but PGlite.
//
// PGlite computes every query synchronously on its thread; running it here keeps the Motor's
// event loop (HTTP, Socket.IO) free while the database works.
import { readFile, writeFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions as extensions } from './pglite.extensions.js';

/** @typedef {import('./pglite.protocol.js').WorkerRequest} WorkerRequest */
/** @typedef {import('./pglite.protocol.js').WorkerResponse} WorkerResponse */
/** @typedef {import('./pglite.protocol.js').PgliteInit} PgliteInit */

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const init = /** @type {PgliteInit} */ (workerData);
/** @param {WorkerResponse} m */
const post = (m) => port.postMessage(m);

/** @type {PGlite} */
let db;
/** @type {Extract<WorkerRequest, { kind: 'call' }>[]} */
const queue = [];
let draining = false;

/** @param {unknown} err */
const errorOf = (err) => {
  const e = /** @type {{ code?: string; message?: string }} */ (err);
  return { code: e?.code, message: e?.message ?? String(err) };
};

async function boot() {
  if (init.loadDumpPath) {
    const bytes = await readFile(init.loadDumpPath);
    db = new PGlite({ loadDataDir: new Blob([bytes]), extensions });
  } else {
    db = new PGlite(init.dataDir ?? 'memory://', { extensions });
  }
  await db.waitReady;
}

/**
 * Group commit: every call that queued while the previous batch ran shares one transaction, each
 * inside its own savepoint (a failing call rolls back alone). Results are posted only after
 * COMMIT, so "answered" still means "committed".
 */
async function drain() {
  if (draining) return;
  draining = true;
  try {
    while (queue.length > 0) {
      const batch = queue.splice(0, 200);
      if (batch.length === 1) {
        const c = /** @type {(typeof batch)[0]} */ (batch[0]);
        try {
          const r = await db.query(c.sql, c.params);
          post({ kind: 'result', id: c.id, value: /** @type {any} */ (r.rows[0])?.r ?? null });
        } catch (err) {
          post({ kind: 'error', id: c.id, error: errorOf(err) });
        }
        continue;
      }
      /** @type {WorkerResponse[]} */
      const out = [];
      try {
        await db.exec('begin');
        for (const c of batch) {
          await db.exec('savepoint c');
          try {
            const r = await db.query(c.sql, c.params);
            await db.exec('release savepoint c');
            out.push({ kind: 'result', id: c.id, value: /** @type {any} */ (r.rows[0])?.r ?? null });
          } catch (err) {
            await db.exec('rollback to savepoint c');
            out.push({ kind: 'error', id: c.id, error: errorOf(err) });
          }
        }
        await db.exec('commit');
        for (const m of out) post(m);
      } catch (err) {
        await db.exec('rollback').catch(() => {});
        for (const c of batch) post({ kind: 'error', id: c.id, error: errorOf(err) });
      }
    }
  } finally {
    draining = false;
  }
}

port.on('message', async (/** @type {WorkerRequest} */ m) => {
  try {
    switch (m.kind) {
      case 'call':
        queue.push(m);
        // Let every message already delivered to this thread join the batch before it starts.
        setImmediate(drain);
        return;
      case 'exec':
        await db.exec(m.sql);
        return post({ kind: 'result', id: m.id, value: null });
      case 'query':
        return post({ kind: 'result', id: m.id, value: (await db.query(m.sql, m.params)).rows });
      case 'dump': {
        const file = await db.dumpDataDir('none');
        await writeFile(m.path, Buffer.from(await file.arrayBuffer()));
        return post({ kind: 'result', id: m.id, value: null });
      }
      case 'close':
        await db.close().catch(() => {});
        return post({ kind: 'result', id: m.id, value: null });
    }
  } catch (err) {
    post({ kind: 'error', id: m.id, error: errorOf(err) });
  }
});

boot().then(
  () => post({ kind: 'ready' }),
  (err) => post({ kind: 'init-error', message: errorOf(err).message }),
);
