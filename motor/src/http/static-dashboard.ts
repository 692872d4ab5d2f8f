import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';
import serve from 'koa-static';

export const DASHBOARD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dashboard/build');

/**
 * Serves the built dashboard (SvelteKit static build) at `/`, with the SPA fallback for client
 * routes. Hashed assets are cached forever; index.html never.
 */
export function staticDashboard(dir = DASHBOARD_DIR): Middleware {
  const assets = serve(dir, {
    index: false,
    maxage: 0,
    setHeaders(res, file) {
      if (file.includes(`${path.sep}_app${path.sep}immutable${path.sep}`)) {
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      }
    },
  });
  const indexFile = path.join(dir, 'index.html');
  return async function dashboardMiddleware(ctx, next) {
    if (ctx.path.startsWith('/api/') || ctx.path.startsWith('/socket.io')) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    await assets(ctx, async () => {});
    if (ctx.body !== undefined || ctx.status !== 404) return;
    if (!existsSync(indexFile)) {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'The dashboard is not built yet: run `npm run build` (npm start does it).';
      return;
    }
    const html = readFileSync(indexFile);
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Content-Security-Policy', dashboardCsp(html.toString('utf8')));
    ctx.body = html;
  };
}

/**
 * The page's own CSP (SvelteKit's `kit.csp` <meta>, with its script hashes) plus what only a
 * header can say: `frame-ancestors 'none'`, and everything else from this origin only.
 *
 * @example
 *   dashboardCsp('<meta http-equiv="content-security-policy" content="script-src \'self\'">')
 *   // "script-src 'self'; default-src 'self'; connect-src 'self'; … frame-ancestors 'none'"
 */
export function dashboardCsp(html: string): string {
  const meta = /<meta http-equiv="content-security-policy" content="([^"]*)"/i.exec(html)?.[1];
  const page = meta ?? "script-src 'self'";
  return `${page}; default-src 'self'; connect-src 'self'; frame-ancestors 'none'`;
}
