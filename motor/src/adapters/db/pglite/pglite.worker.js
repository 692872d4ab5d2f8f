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
/** @typedef {Extract<WorkerRequest, { kind: 'call' | 'ingest' }>} Call */
/** @type {Call[]} */
const queue = [];
let draining = false;

/** @param {unknown} err */
const errorOf = (err) => {
  const e = /** @type {{ code?: string; message?: string }} */ (err);
  return { code: e?.code, message: e?.message ?? String(err) };
};

// PGlite's Postgres defaults to 128 MB of shared buffers, all of it resident from the start (a
// PGlite process was ~300 MB before its first query). A small business's working set fits in far
// less, and pages not in the pool come from the OS page cache: 32 MB saved ~120 MB of RSS, 16 MB
// another ~17 MB at open and ~30 MB after a thousand ingests (docs/perf/README.md).
const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

async function boot() {
  if (init.loadDumpPath) {
    const bytes = await readFile(init.loadDumpPath);
    db = new PGlite({ loadDataDir: new Blob([bytes]), extensions, startParams });
  } else {
    db = new PGlite(init.dataDir ?? 'memory://', { extensions, startParams });
  }
  await db.waitReady;
}

/**
 * The statements a batch runs, in arrival order: each call its own, except that a run of
 * consecutive ingest calls is ONE `app.ingest_messages` statement (a statement costs PGlite
 * ~0.2 ms of protocol and parsing on top of a ~0.6 ms ingest; docs/perf/README.md).
 * @param {Call[]} batch @returns {{ calls: Call[]; sql: string; params: unknown[]; many: boolean }[]}
 */
function statementsOf(batch) {
  /** @type {{ calls: Call[]; sql: string; params: unknown[]; many: boolean }[]} */
  const out = [];
  for (let i = 0; i < batch.length; ) {
    const c = /** @type {Call} */ (batch[i]);
    if (c.kind === 'call') {
      out.push({ calls: [c], sql: c.sql, params: c.params, many: false });
      i++;
      continue;
    }
    /** @type {Extract<Call, { kind: 'ingest' }>[]} */
    const run = [];
    for (let b = batch[i]; b?.kind === 'ingest'; b = batch[++i]) run.push(b);
    out.push({ calls: run, sql: 'select app.ingest_messages($1) as r', params: [`[${run.map((r) => r.item).join(',')}]`], many: true });
  }
  return out;
}

/** @param {{ calls: Call[]; sql: string; params: unknown[]; many: boolean }} s @returns {Promise<WorkerResponse[]>} */
async function runStatement(s) {
  const r = /** @type {any} */ (await db.query(s.sql, s.params)).rows[0]?.r ?? null;
  return s.calls.map((c, i) => ({ kind: 'result', id: c.id, value: s.many ? (r?.[i] ?? null) : r }));
}

/** @param {Call} c @returns {Promise<WorkerResponse>} */
async function runOne(c) {
  try {
    return /** @type {WorkerResponse} */ ((await runStatement(/** @type {any} */ (statementsOf([c])[0])))[0]);
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
        post(await runOne(/** @type {Call} */ (batch[0])));
        continue;
      }
      /** @type {WorkerResponse[]} */
      const out = [];
      let together = true;
      try {
        await db.exec('begin');
        for (const s of statementsOf(batch)) out.push(...(await runStatement(s)));
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
      case 'ingest':
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
