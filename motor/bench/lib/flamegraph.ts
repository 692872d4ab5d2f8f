import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) this renderer reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface Frame {
  name: string;
  self: number;
  total: number;
  children: Map<string, Frame>;
}

const shortUrl = (url: string) => {
  if (!url) return '';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  const dist = u.indexOf('/motor/dist/');
  if (dist >= 0) return u.slice(dist + '/motor/'.length);
  const src = u.indexOf('/motor/src/');
  if (src >= 0) return u.slice(src + '/motor/'.length);
  return u.replace(/^node:/, 'node:');
};

const frameName = (cf: CpuProfile['nodes'][number]['callFrame']) => {
  const fn = cf.functionName || '(anonymous)';
  const where = shortUrl(cf.url);
  return where ? `${fn} ${where}:${cf.lineNumber + 1}` : fn;
};

/** Sample time (µs) per node, then a call tree merged by frame name (same path = same frame). */
function buildTree(p: CpuProfile): { root: Frame; idle: number; total: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + Math.max(0, dt));
  }
  let idle = 0;
  let total = 0;
  const root: Frame = { name: 'all', self: 0, total: 0, children: new Map() };
  const walk = (id: number, into: Frame): number => {
    const n = byId.get(id)!;
    const name = frameName(n.callFrame);
    const own = selfUs.get(id) ?? 0;
    if (name === '(idle)') {
      idle += own;
      total += own;
      return 0;
    }
    let f = into.children.get(name);
    if (!f) into.children.set(name, (f = { name, self: 0, total: 0, children: new Map() }));
    f.self += own;
    total += own;
    let sum = own;
    for (const c of n.children ?? []) sum += walk(c, f);
    f.total += sum;
    return sum;
  };
  const top = p.nodes[0]!;
  for (const c of top.children ?? []) root.total += walk(c, root);
  total += selfUs.get(top.id) ?? 0;
  return { root, idle, total };
}

/** The functions with the most self time (and their inclusive time), in % of all samples. */
export function topFunctions(p: CpuProfile, n: number) {
  const { root, total } = buildTree(p);
  const agg = new Map<string, { self: number; total: number }>();
  const walk = (f: Frame, stack: Set<string>) => {
    const a = agg.get(f.name) ?? { self: 0, total: 0 };
    a.self += f.self;
    if (!stack.has(f.name)) a.total += f.total; // recursion counted once
    agg.set(f.name, a);
    const next = new Set(stack).add(f.name);
    for (const c of f.children.values()) walk(c, next);
  };
  for (const c of root.children.values()) walk(c, new Set());
  return [...agg.entries()]
    .map(([name, a]) => ({ name, selfPct: (100 * a.self) / total, totalPct: (100 * a.total) / total }))
    .sort((x, y) => y.selfPct - x.selfPct)
    .slice(0, n);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function colour(name: string): string {
  if (name.startsWith('(garbage collector)')) return '#c0c0c0';
  if (name.startsWith('(program)')) return '#d8d8d8';
  if (/ (src|dist)\//.test(name)) return '#f2a65a'; // the Motor's own code
  if (/pglite/.test(name)) return '#7fb3d5';
  if (/socket\.io|engine\.io|ws\//.test(name)) return '#82c99a';
  if (/koa|@koa/.test(name)) return '#c39bd3';
  if (/pino|prom-client|zod/.test(name)) return '#f1948a';
  if (/node:|^\(/.test(name) || !name.includes(' ')) return '#e6d58a';
  return '#f7dc6f';
}

/**
 * Writes `<name>.svg` (an icicle flame graph: callers on top, width = share of the busy samples,
 * idle left out) and `<name>.png` when Chromium is installed. Returns the files written.
 */
export async function renderFlameGraph(p: CpuProfile, o: { outDir: string; name: string; title: string; width?: number }) {
  const { root, idle, total } = buildTree(p);
  const W = o.width ?? 1600;
  const rowH = 17;
  const top = 44;
  const rects: string[] = [];
  let maxDepth = 0;
  const minPx = 0.6;
  const draw = (f: Frame, x: number, depth: number) => {
    const w = (f.total / root.total) * W;
    if (w < minPx) return;
    maxDepth = Math.max(maxDepth, depth);
    const y = top + depth * rowH;
    const pct = ((100 * f.total) / total).toFixed(1);
    const label = w > 40 ? esc(`${f.name}`.slice(0, Math.floor(w / 6.2))) : '';
    rects.push(
      `<g><title>${esc(f.name)}: ${pct}% total, ${((100 * f.self) / total).toFixed(1)}% self</title>` +
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 1}" fill="${colour(f.name)}" rx="1"/>` +
        (label ? `<text x="${(x + 3).toFixed(1)}" y="${y + 12}">${label}</text>` : '') +
        `</g>`,
    );
    let cx = x;
    for (const c of [...f.children.values()].sort((a, b) => b.total - a.total)) {
      draw(c, cx, depth + 1);
      cx += (c.total / root.total) * W;
    }
  };
  let x = 0;
  for (const c of [...root.children.values()].sort((a, b) => b.total - a.total)) {
    draw(c, x, 0);
    x += (c.total / root.total) * W;
  }
  const H = top + (maxDepth + 1) * rowH + 30;
  const busy = ((100 * root.total) / total).toFixed(0);
  const legend = [
    ['#f2a65a', 'Motor code'],
    ['#7fb3d5', 'PGlite'],
    ['#82c99a', 'Socket.IO / ws'],
    ['#c39bd3', 'Koa'],
    ['#f1948a', 'pino / prom-client / zod'],
    ['#e6d58a', 'Node internals'],
    ['#f7dc6f', 'other packages'],
    ['#c0c0c0', 'GC'],
  ]
    .map(([c, t], i) => `<rect x="${10 + i * 190}" y="${H - 22}" width="12" height="12" fill="${c}"/><text x="${26 + i * 190}" y="${H - 12}">${t}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans Mono, monospace" font-size="11">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="10" y="18" font-size="14" font-weight="bold">${esc(o.title)}</text>
<text x="10" y="36">busy ${busy}% of ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s sampled (idle ${((100 * idle) / total).toFixed(0)}% left out); width = share of busy time; hover a box for its numbers</text>
${rects.join('\n')}
${legend}
</svg>`;
  await mkdir(o.outDir, { recursive: true });
  const svgFile = path.join(o.outDir, `${o.name}.svg`);
  await writeFile(svgFile, svg);
  const written = [svgFile];
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((c) => existsSync(c));
  if (chromium) {
    const pngFile = path.join(o.outDir, `${o.name}.png`);
    const r = spawnSync(
      chromium,
      ['--headless', '--no-sandbox', '--disable-gpu', `--window-size=${W},${H}`, `--screenshot=${pngFile}`, `file://${svgFile}`],
      { stdio: 'ignore', timeout: 60_000 },
    );
    if (r.status === 0) written.push(pngFile);
  }
  return written;
}
