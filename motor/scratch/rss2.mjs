import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions } from '../src/adapters/db/pglite/pglite.extensions.js';
const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const extra = process.argv[2] ? process.argv[2].split(' ') : [];
const t0 = performance.now();
const pg = new PGlite('/tmp/speed-rss-dir', { extensions: pgliteExtensions, ...(extra.length ? { startParams: [...PGlite.defaultStartParams, ...extra] } : {}) });
await pg.waitReady;
console.log('ready', rss(), 'MB', Math.round(performance.now() - t0), 'ms', (await pg.query('show shared_buffers')).rows[0]);
await pg.close();
