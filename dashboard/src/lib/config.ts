/**
 * Where the Motor is: '' when it serves this dashboard itself (the default), or its origin when the
 * dashboard is hosted elsewhere (cross-origin mode). Read from `window.__ATENDE__`, which
 * `/env.js` sets before the app starts (static/env.js; rewritten per deployment by
 * scripts/write-env.mjs, no rebuild needed).
 *
 * @example
 *   fetch(`${motorUrl}/api/me`, { credentials: motorUrl ? 'include' : 'same-origin' });
 */
export const motorUrl: string = (() => {
  const v = (globalThis as { __ATENDE__?: { motorUrl?: unknown } }).__ATENDE__?.motorUrl;
  return typeof v === 'string' ? v.replace(/\/+$/, '') : '';
})();
