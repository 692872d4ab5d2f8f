// Writes build/env.js (the dashboard's runtime settings) from the environment, so one static
// build serves any deployment: MOTOR_URL is the Motor's origin when the dashboard is hosted
// elsewhere (Netlify, any static server); unset keeps the same-origin default.
//   MOTOR_URL=https://atende-motor.onrender.com node dashboard/scripts/write-env.mjs [buildDir]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../build');
const raw = (process.env.MOTOR_URL ?? '').trim();
let motorUrl = '';
if (raw) {
  const u = new URL(raw); // throws on a malformed value: better at deploy than in the browser
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`MOTOR_URL must be http(s): ${raw}`);
  motorUrl = u.origin;
}
writeFileSync(
  path.join(dir, 'env.js'),
  `// Written by dashboard/scripts/write-env.mjs\nwindow.__ATENDE__ = ${JSON.stringify({ motorUrl })};\n`,
);
console.log(`env.js: motorUrl=${motorUrl || '(same origin)'}`);
