import { readFileSync, readdirSync } from 'node:fs';
import { topFunctions } from '../bench/lib/flamegraph.js';
const dir = process.argv[2]!;
for (const f of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  const all = topFunctions(p, 100000);
  const re = new RegExp(process.argv[3] ?? '.');
  console.log('==', f);
  for (const t of all.filter((t) => re.test(t.name)).sort((a, b) => b.totalPct - a.totalPct).slice(0, Number(process.argv[4] ?? 40)))
    console.log(`${t.totalPct.toFixed(1).padStart(5)}% total ${t.selfPct.toFixed(1).padStart(5)}% self  ${t.name}`);
}
