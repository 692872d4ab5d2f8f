import type postgres from 'postgres';

/**
 * Group commit for the Postgres driver: calls that arrive while a batch is running queue up and
 * run together as ONE transaction on one reserved connection, pipelined in a single round trip
 * (`begin; call₁; …; callₙ; commit`). Each caller is answered only after that COMMIT, so
 * "answered" still means "committed" (docs/api.md: 2xx means committed). One commit (one WAL
 * flush) per batch instead of one per call is what lifts ingest past the one-call-per-transaction
 * baseline; the PGlite worker does the same (pglite.worker.js).
 *
 * Calls are split into `lanes` (2 by default) by account: one batch runs at a time per lane, so
 * an account's calls keep their order, and two batches of this process never touch the same
 * account's rows (no deadlock between them). Two lanes keep two backends busy: with one batch at a
 * time a single PostgreSQL backend did all the SQL (docs/perf/README.md). When any call of a
 * batch fails, Postgres has aborted the whole transaction (a pipelined COMMIT then only rolls back): every call of the batch is re-run on its
 * own, so a bad call fails alone and the others commit, and a deadlock with another process's
 * transaction becomes ordinary retries. Connection failures are not retried here: the callers get
 * the error (the driver maps it to 503 `unavailable`; webhooks are redelivered and idempotent).
 *
 * @example
 *   const gc = createGroupCommit({ sql, prepare: true });
 *   const rows = await gc.run('select app.ingest_message(p_account_id := $1, …) as r', params);
 */
export interface GroupCommit {
  /**
   * `ingest`: the call is `app.ingest_message` with these arguments; consecutive ones in a batch
   * run as ONE `app.ingest_messages` statement (one parse, bind and result instead of N).
   */
  run(
    text: string,
    params: unknown[],
    ingest?: Record<string, unknown>,
    accountId?: unknown,
  ): Promise<postgres.Row[]>;
  /** Batches run so far and calls they carried (for benchmarks and logs). */
  stats(): { batches: number; calls: number; fallbacks: number };
}

interface Pending {
  text: string;
  params: unknown[];
  ingest?: Record<string, unknown>;
  resolve: (rows: postgres.Row[]) => void;
  reject: (err: unknown) => void;
}

type Params = postgres.ParameterOrJSON<never>[];

/** A server-side SQL error (it has a SQLSTATE), as opposed to a broken connection. */
const isSqlError = (err: unknown) =>
  typeof (err as { code?: unknown })?.code === 'string' &&
  /^[0-9A-Z]{5}$/.test((err as { code: string }).code);

/** A batch's statements in arrival order; a run of consecutive ingest calls is one statement. */
function statementsOf(batch: Pending[]): Array<{ text: string; params: unknown[]; calls: number }> {
  const out: Array<{ text: string; params: unknown[]; calls: number }> = [];
  for (let i = 0; i < batch.length;) {
    const run: Record<string, unknown>[] = [];
    for (let c = batch[i]; c?.ingest; c = batch[++i]) run.push(c.ingest);
    if (run.length > 1) {
      // Text cast to jsonb: postgres.js would take a JS array for a Postgres array.
      out.push({
        text: 'select app.ingest_messages($1::text::jsonb) as r',
        params: [JSON.stringify(run)],
        calls: run.length,
      });
    } else if (run.length === 1)
      out.push({ text: batch[i - 1]!.text, params: batch[i - 1]!.params, calls: 1 });
    else {
      out.push({ text: batch[i]!.text, params: batch[i]!.params, calls: 1 });
      i++;
    }
  }
  return out;
}

export function createGroupCommit(o: {
  sql: postgres.Sql;
  prepare: boolean;
  maxBatch?: number;
  lanes?: number;
}): GroupCommit {
  const maxBatch = o.maxBatch ?? 200;
  const lanes = Array.from({ length: Math.max(1, o.lanes ?? 2) }, () => ({
    queue: [] as Pending[],
    running: false,
  }));
  const laneOf = (accountId: unknown) => {
    if (typeof accountId !== 'string') return lanes[0]!;
    let h = 0;
    for (let i = 0; i < accountId.length; i++) h = (h * 31 + accountId.charCodeAt(i)) | 0;
    return lanes[Math.abs(h) % lanes.length]!;
  };
  const counts = { batches: 0, calls: 0, fallbacks: 0 };

  const one = (c: Pending) =>
    o.sql.unsafe(c.text, c.params as Params, { prepare: o.prepare }).then(
      (rows) => c.resolve(rows),
      (err) => c.reject(err),
    );

  async function runBatch(batch: Pending[]) {
    counts.batches++;
    counts.calls += batch.length;
    if (batch.length === 1) return one(batch[0]!);
    let conn: postgres.ReservedSql;
    try {
      conn = await o.sql.reserve();
    } catch (err) {
      for (const c of batch) c.reject(err);
      return;
    }
    let failure: unknown = null;
    let results: postgres.Row[][] = [];
    try {
      // Pipelined: all sent before the first answer comes back.
      const begin = conn.unsafe('begin');
      const statements = statementsOf(batch);
      const calls = statements.map((s) => conn.unsafe(s.text, s.params as Params, { prepare: o.prepare }));
      const commit = conn.unsafe('commit');
      const settled = await Promise.allSettled([begin, ...calls, commit]);
      const firstError = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
      if (firstError) failure = firstError.reason;
      else
        results = settled.slice(1, -1).flatMap((s, i) => {
          const rows = (s as PromiseFulfilledResult<postgres.Row[]>).value;
          if (statements[i]!.calls === 1) return [rows];
          const each = ((rows[0] as { r?: unknown[] } | undefined)?.r ?? []) as unknown[];
          return Array.from(
            { length: statements[i]!.calls },
            (_, k) => [{ r: each[k] ?? null }] as postgres.Row[],
          );
        });
    } finally {
      conn.release();
    }
    if (!failure) {
      batch.forEach((c, i) => c.resolve(results[i]!));
      return;
    }
    if (!isSqlError(failure)) {
      for (const c of batch) c.reject(failure);
      return;
    }
    // The transaction rolled back as a whole: run each call alone.
    counts.fallbacks++;
    await Promise.all(batch.map(one));
  }

  async function drain(lane: (typeof lanes)[number]) {
    if (lane.running) return;
    lane.running = true;
    try {
      while (lane.queue.length > 0) await runBatch(lane.queue.splice(0, maxBatch));
    } finally {
      lane.running = false;
    }
  }

  return {
    run(text, params, ingest, accountId) {
      return new Promise((resolve, reject) => {
        const lane = laneOf(accountId);
        lane.queue.push({ text, params, ingest, resolve, reject });
        // Let every call made in this tick join the first batch.
        if (!lane.running) queueMicrotask(() => void drain(lane));
      });
    },
    stats: () => ({ ...counts }),
  };
}
