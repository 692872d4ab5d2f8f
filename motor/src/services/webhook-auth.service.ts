import { createHash, timingSafeEqual } from 'node:crypto';
import { unauthenticated } from '../errors.js';
import type { Db } from '../ports/db.port.js';

/** The instance a webhook is for, once authenticated. */
export interface WebhookPrincipal {
  instanceId: string;
  accountId: string;
  instanceName: string;
  /**
   * The body's `apikey` is another instance token than this incarnation's: a late event of an
   * older session under the same name (Evolution re-reads the webhook by name, so it carries our
   * current headers). The intake ignores it.
   */
  staleIncarnation?: boolean;
}

/** The credentials a webhook request may carry. */
export interface WebhookCredentials {
  instanceName: string;
  /** `x-motor-token` header (the per-instance secret registered in Evolution's webhook.headers). */
  motorToken?: string;
  /** `Authorization: Bearer <HS256 JWT>` Evolution makes from a `jwt_key` header. */
  bearer?: string;
  /** `?token=` of Evolution's global webhook. */
  queryToken?: string;
  /** The body's `apikey`: the sending session's instance token when Evolution exposes it, else null. */
  bodyToken?: string | null;
}

/** Constant-time equality of two secrets (digests first, so lengths leak nothing). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/**
 * Authenticates an Evolution webhook for `body.instance`: the instance's secret in
 * `x-motor-token`, or a JWT signed with it, or the global `?token=`. Unknown instance, missing or
 * wrong secret → 401 `unauthenticated` (the same answer, so names don't leak).
 *
 * @example
 *   const who = await authenticateWebhook({ db, globalToken: config.webhookToken }, { instanceName, motorToken });
 */
export async function authenticateWebhook(
  deps: {
    db: Db;
    globalToken?: string;
    cache?: InstanceAuthCache;
    /** Checks a bearer token signed with the instance secret (WhatsAppInbound.verifySignedToken). */
    verifySignedToken?: (token: string, secret: string) => Promise<boolean>;
  },
  cred: WebhookCredentials,
): Promise<WebhookPrincipal> {
  const fail = () => unauthenticated('invalid or missing webhook token');
  const cached = deps.cache?.get(cred.instanceName);
  if (cached) {
    const who = await verify(cached, deps, cred);
    if (who && !who.staleIncarnation) return who;
    // A cached row that no longer matches may be stale (a new incarnation): ask the database.
  }
  const row = await deps.db.call<InstanceAuthRow | null>('instance_auth', { name: cred.instanceName });
  if (!row) throw fail();
  const who = await verify(row, deps, cred);
  if (!who) throw fail();
  deps.cache?.set(cred.instanceName, row);
  return who;
}

interface InstanceAuthRow {
  id: string;
  accountId: string;
  webhookSecret: string;
  /** The instance token of the current incarnation (null while unknown). */
  evolutionToken?: string | null;
}

async function verify(
  row: InstanceAuthRow,
  deps: { globalToken?: string; verifySignedToken?: (token: string, secret: string) => Promise<boolean> },
  cred: WebhookCredentials,
): Promise<WebhookPrincipal | null> {
  const { globalToken } = deps;
  const stale = !!cred.bodyToken && !!row.evolutionToken && !sameSecret(cred.bodyToken, row.evolutionToken);
  const who: WebhookPrincipal = {
    instanceId: row.id,
    accountId: row.accountId,
    instanceName: cred.instanceName,
    ...(stale ? { staleIncarnation: true } : {}),
  };
  if (cred.motorToken && sameSecret(cred.motorToken, row.webhookSecret)) return who;
  if (cred.queryToken && globalToken && sameSecret(cred.queryToken, globalToken)) return who;
  if (cred.bearer && (await deps.verifySignedToken?.(cred.bearer, row.webhookSecret))) return who;
  return null;
}

/**
 * A short-lived cache of instance credentials, so a webhook costs one database round trip (the
 * ingest call) instead of two. Only rows that just authenticated a request are cached; a mismatch
 * falls back to the database. Instance names are globally unique and rows are not re-assigned, so
 * a few seconds of staleness cannot route a webhook to another account.
 *
 * @example
 *   const cache = new InstanceAuthCache({ ttlMs: 10_000 });
 */
export class InstanceAuthCache {
  private readonly rows = new Map<string, { row: InstanceAuthRow; until: number }>();
  constructor(private readonly opts: { ttlMs: number; max?: number; now?: () => number }) {}

  get(name: string): InstanceAuthRow | undefined {
    const hit = this.rows.get(name);
    if (!hit) return undefined;
    if (hit.until < this.now()) {
      this.rows.delete(name);
      return undefined;
    }
    return hit.row;
  }

  /** Drops a name's row (its credentials changed: a new incarnation, a removal). */
  forget(name: string): void {
    this.rows.delete(name);
  }

  set(name: string, row: InstanceAuthRow): void {
    if (this.rows.size >= (this.opts.max ?? 10_000)) this.rows.clear();
    this.rows.set(name, { row, until: this.now() + this.opts.ttlMs });
  }

  private now() {
    return (this.opts.now ?? Date.now)();
  }
}
