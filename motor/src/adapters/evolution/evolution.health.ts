import type { EvolutionHealth } from '@atende/shared';
import { isAppError } from '../../errors.js';
import type { EvolutionFailure, EvolutionHttp } from './evolution.http.js';
import { anySchema, rootSchema } from './evolution.schemas.js';

// A name no instance has: fetchInstances answers 404 for it once the key passed the auth guard.
const PROBE = 'atende-health-probe-0000';

/**
 * Checks the Evolution API the Motor is configured with, without throwing:
 * 1. `GET /` (no key) must answer with a 2.3.x `version`. 2.4 puts every business route behind an
 *    online licence activation (503 `LICENSE_REQUIRED`) and is refused as `licence_locked`.
 * 2. `GET /instance/fetchInstances?instanceName=<probe>` with the global key: 404 "not found"
 *    (or 200) means the key was accepted; 401/403 means EVOLUTION_API_KEY is wrong.
 *
 * @example
 *   const h = await checkEvolutionHealth(http); // { status: 'ok', version: '2.3.6', … }
 */
export async function checkEvolutionHealth(
  http: EvolutionHttp,
  now: () => Date = () => new Date(),
): Promise<EvolutionHealth> {
  const at = () => now().toISOString();
  const base = { version: null as string | null, simulated: false };
  const out = (status: EvolutionHealth['status'], message: string): EvolutionHealth => ({
    status,
    ...base,
    message,
    checkedAt: at(),
  });
  try {
    const root = await http.request({ method: 'GET', path: '/', schema: rootSchema });
    base.version = root.version;
    base.simulated = root.simulated === true;
  } catch (err) {
    const f = failureOf(err);
    if (f?.reason === 'evolution_rejected' && f.status === 503)
      return out('licence_locked', licenceMessage(http.baseUrl));
    return out(
      'unreachable',
      `Evolution API at ${http.baseUrl} does not answer GET / (${f?.reason ?? 'unknown'}): check EVOLUTION_API_URL and that the server runs`,
    );
  }
  const v = /^(\d+)\.(\d+)\./.exec(`${base.version}.`);
  const [major, minor] = v ? [Number(v[1]), Number(v[2])] : [0, 0];
  if (major > 2 || (major === 2 && minor >= 4))
    return out('licence_locked', licenceMessage(http.baseUrl, base.version));
  if (major !== 2 || minor !== 3) {
    return out(
      'unsupported_version',
      `Evolution API ${base.version} at ${http.baseUrl} is not supported: run Evolution API 2.3.x (2.3.6 or 2.3.7)`,
    );
  }
  try {
    await http.request({
      method: 'GET',
      path: '/instance/fetchInstances',
      query: { instanceName: PROBE },
      schema: anySchema,
    });
  } catch (err) {
    const f = failureOf(err);
    if (f?.status === 404)
      return out('ok', `Evolution API ${base.version} at ${http.baseUrl}: reachable, key accepted`);
    if (f?.status === 401 || f?.status === 403) {
      return out(
        'key_rejected',
        `Evolution API at ${http.baseUrl} refused EVOLUTION_API_KEY (HTTP ${f.status}): set it to the server's AUTHENTICATION_API_KEY`,
      );
    }
    if (f?.status === 503) return out('licence_locked', licenceMessage(http.baseUrl, base.version));
    return out(
      'unreachable',
      `Evolution API at ${http.baseUrl} failed the key check (${f?.reason ?? 'unknown'})`,
    );
  }
  return out('ok', `Evolution API ${base.version} at ${http.baseUrl}: reachable, key accepted`);
}

const licenceMessage = (url: string, version?: string | null) =>
  `Evolution API ${version ?? ''} at ${url} is a 2.4 server: it refuses every call until activated against its licensing server (503 LICENSE_REQUIRED). Atende supports Evolution API 2.3.x (2.3.6 or 2.3.7); run that version instead`.replace(
    /\s{2,}/g,
    ' ',
  );

function failureOf(err: unknown): EvolutionFailure | undefined {
  return isAppError(err) ? (err.details as EvolutionFailure | undefined) : undefined;
}
