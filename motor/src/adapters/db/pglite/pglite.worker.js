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

// PGlite's Postgres defaults to 128 MB of shared buffers, all of it resident from the start (a
// PGlite process was ~300 MB before its first query). A small business's working set fits in far
// less, and pages not in the pool come from the OS page cache; 32 MB saves ~120 MB of RSS.
const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

async function boot() {
  if (init.loadDumpPath) {
    const bytes = await readFile(init.loadDumpPath);
    db = new PGlite({ loadDataDir: new Blob([bytes]), extensions, startParams });
  } else {
    db = new PGlite(init.dataDir ?? 'memory://', { extensions, startParams });
  }
  await db.waitReady;
}

/** @param {Extract<WorkerRequest, { kind: 'call' }>} c @returns {Promise<WorkerResponse>} */
async function runOne(c) {
  try {
    const r = await db.query(c.sql, c.params);
    return { kind: 'result', id: c.id, value: /** @type {any} */ (r.rows[0])?.r ?? null };
  } catch (err) {
    return { kind: 'error', id: c.id, error: errorOf(err) };
  }
}

/**
 * Calls that queued while the previous batch ran share one transaction, optimistically: with no
 * savepoints (a savepoint pair per call made each call ~60% dearer in PGlite, see docs/perf/), so
 * if any call fails the whole batch is rolled back and every call is run again on its own, in
 * arrival order. Nothing outside the database happens inside a call, so running one again after
 * a rollback is safe. Results are posted only after COMMIT, so "answered" still means
 * "committed". fsync is off in PGlite, so a commit costs little (~0.2 ms); the batch saves that.
 */
async function drain() {
  if (draining) return;
  draining = true;
  try {
    while (queue.length > 0) {
      const batch = queue.splice(0, 100);
      if (batch.length === 1) {
        post(await runOne(/** @type {(typeof batch)[0]} */ (batch[0])));
        continue;
      }
      /** @type {WorkerResponse[]} */
      const out = [];
      let together = true;
      try {
        await db.exec('begin');
        for (const c of batch) {
          const r = await db.query(c.sql, c.params);
          out.push({ kind: 'result', id: c.id, value: /** @type {any} */ (r.rows[0])?.r ?? null });
        }
        await db.exec('commit');
      } catch {
        together = false;
        await db.exec('rollback').catch(() => {});
      }
      if (together) for (const m of out) post(m);
      else for (const c of batch) post(await runOne(c));
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
