import { createHash, timingSafeEqual } from 'node:crypto';
import { jwtVerify } from 'jose';
import { unauthenticated } from '../errors.js';
import type { Db } from '../ports/db.port.js';

/** The instance a webhook is for, once authenticated. */
export interface WebhookPrincipal {
  instanceId: string;
  accountId: string;
  instanceName: string;
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
  deps: { db: Db; globalToken?: string },
  cred: WebhookCredentials,
): Promise<WebhookPrincipal> {
  const row = await deps.db.call<{ id: string; accountId: string; webhookSecret: string } | null>(
    'instance_auth',
    {
      name: cred.instanceName,
    },
  );
  const fail = () => unauthenticated('invalid or missing webhook token');
  if (!row) throw fail();
  const who = { instanceId: row.id, accountId: row.accountId, instanceName: cred.instanceName };
  if (cred.motorToken && sameSecret(cred.motorToken, row.webhookSecret)) return who;
  if (cred.queryToken && deps.globalToken && sameSecret(cred.queryToken, deps.globalToken)) return who;
  if (cred.bearer && (await validJwt(cred.bearer, row.webhookSecret))) return who;
  throw fail();
}

async function validJwt(token: string, secret: string): Promise<boolean> {
  try {
    await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] });
    return true;
  } catch {
    return false;
  }
}
