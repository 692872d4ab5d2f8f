import { AppError } from '../errors.js';
import type { Db } from '../ports/db.port.js';

/**
 * Readiness: the database answers within `timeoutMs` (`GET /readyz`), else 503 `unavailable`.
 *
 * @example
 *   const health = new HealthService({ db });
 *   await health.ready(); // → { database: 'pglite' }
 */
export class HealthService {
  constructor(private readonly deps: { db: Db; timeoutMs?: number }) {}

  async ready(): Promise<{ database: Db['driver'] }> {
    try {
      await withTimeout(this.deps.db.ping(), this.deps.timeoutMs ?? 2000);
    } catch (err) {
      throw new AppError('unavailable', 'the database does not answer', undefined, { cause: err });
    }
    return { database: this.deps.db.driver };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
