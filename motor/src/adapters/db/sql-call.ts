/** Shared by the SQL drivers: turns `call(fn, args)` into `select app.fn(p_a := $1, …)`. */

const FN_NAME = /^[a-z_][a-z0-9_]*$/;

export const toParamName = (key: string) => 'p_' + key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

/** Binds a JS value as a SQL parameter: objects and arrays become JSON text for jsonb params. */
export function toParamValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) return JSON.stringify(v);
  return v;
}

/**
 * Builds the statement for one function call.
 *
 * @example
 *   buildCall('events_after', { accountId: 'a', after: 3 })
 *   // → { sql: 'select app.events_after(p_account_id := $1, p_after := $2) as r', params: ['a', 3] }
 */
export function buildCall(fn: string, args: Record<string, unknown> = {}) {
  if (!FN_NAME.test(fn)) throw new Error(`invalid function name: ${fn}`);
  const keys = Object.keys(args).filter((k) => args[k] !== undefined);
  const named = keys.map((k, i) => `${toParamName(k)} := $${i + 1}`).join(', ');
  return { sql: `select app.${fn}(${named}) as r`, params: keys.map((k) => toParamValue(args[k])) };
}

const INGEST_ARGS = new Set(['accountId', 'instanceId', 'message']);

/**
 * An `app.ingest_message` call the drivers may batch into one `app.ingest_messages` statement
 * (its items carry only the arguments that function reads).
 */
export const isBatchableIngest = (
  fn: string,
  args?: Record<string, unknown>,
): args is Record<string, unknown> =>
  fn === 'ingest_message' && !!args && Object.keys(args).every((k) => INGEST_ARGS.has(k));
