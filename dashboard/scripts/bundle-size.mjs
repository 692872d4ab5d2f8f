// Prints the gzip size of the client JS (and CSS) a browser loads for a route, from the Vite
// manifest of the last `vite build`. Usage: node scripts/bundle-size.mjs [/conversations/x]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = path.resolve('.svelte-kit/output/client');
const manifest = JSON.parse(readFileSync(path.join(dir, '.vite/manifest.json'), 'utf8'));
const route = process.argv[2] ?? '/conversations/x';
const wanted = ['src/routes/+layout.svelte', 'src/routes/+layout.ts', 'src/routes/(app)/+layout.svelte', 'src/routes/(app)/+layout.ts'];
if (route.startsWith('/conversations'))
  wanted.push('src/routes/(app)/conversations/+layout.svelte', route === '/conversations' ? 'src/routes/(app)/conversations/+page.svelte' : 'src/routes/(app)/conversations/[id]/+page.svelte');

const roots = Object.entries(manifest)
  .filter(([k, v]) => v.isEntry && (k.includes('entry.js') || k.endsWith('app.js')))
  .map(([k]) => k);
for (const [k, v] of Object.entries(manifest)) {
  if (!k.includes('/nodes/')) continue;
  const src = readFileSync(path.resolve(k), 'utf8');
  if (wanted.some((w) => src.includes(w.replace('src/routes/', '../../../src/routes/')) || src.includes(w))) roots.push(k);
}
const seen = new Set();
const js = new Set();
const css = new Set();
const walk = (key) => {
  if (seen.has(key)) return;
  seen.add(key);
  const e = manifest[key];
  js.add(e.file);
  for (const c of e.css ?? []) css.add(c);
  for (const i of e.imports ?? []) walk(i);
};
roots.forEach(walk);
const size = (files) =>
  [...files].reduce(
    (acc, f) => {
      const buf = readFileSync(path.join(dir, f));
      return { raw: acc.raw + buf.length, gz: acc.gz + gzipSync(buf, { level: 9 }).length };
    },
    { raw: 0, gz: 0 },
  );
const j = size(js);
const c = size(css);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`${route}: ${js.size} JS files, ${kb(j.raw)} raw, ${kb(j.gz)} gzip; CSS ${css.size} files, ${kb(c.gz)} gzip`);
