// A tiny static web server for browser tests of the split deployment: serves a folder (the
// dashboard's build/) with the SPA fallback and the headers netlify.toml sets, a dynamic /env.js
// (the dashboard's runtime settings), and any extra pages (e.g. an attacker's page).
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * @param {{dir?: string, env?: () => object, pages?: Record<string, string>, host?: string}} opts
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}
 */
export async function startStaticSite({ dir, env, pages = {}, host = '127.0.0.1' }) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'; object-src 'none'; base-uri 'self'");
    if (pages[url.pathname] !== undefined) {
      res.setHeader('Content-Type', 'text/html');
      return res.end(pages[url.pathname]);
    }
    if (env && url.pathname === '/env.js') {
      res.setHeader('Content-Type', 'text/javascript');
      res.setHeader('Cache-Control', 'no-cache');
      return res.end(`window.__ATENDE__ = ${JSON.stringify(env())};\n`);
    }
    if (!dir) {
      res.statusCode = 404;
      return res.end('not found');
    }
    let file = path.join(dir, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(dir) || !existsSync(file) || statSync(file).isDirectory())
      file = path.join(dir, 'index.html');
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, host, resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
