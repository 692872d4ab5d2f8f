#!/usr/bin/env node
// Builds each workspace only when its inputs changed since its last build, so `npm start` on an
// unchanged checkout goes straight to the Motor. A workspace's inputs are hashed (path, size and
// content of every file); the hash is stored next to its output and compared on the next run.
// Deleting the output (or `npm run build`) always rebuilds.
//
//   node scripts/build-once.mjs                  # shared, dashboard, motor
//   node scripts/build-once.mjs shared motor     # only these, in this order
//   node scripts/build-once.mjs --force          # build everything (npm run build), stamps included
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const common = ['package-lock.json', 'tsconfig.base.json'];

/** Each workspace: what it is built from, and the file whose presence says it was built. */
const WORKSPACES = {
  shared: {
    inputs: [...common, 'shared/src', 'shared/package.json', 'shared/tsconfig.json'],
    output: 'shared/dist',
  },
  dashboard: {
    inputs: [
      ...common,
      'shared/src',
      'dashboard/src',
      'dashboard/static',
      'dashboard/package.json',
      'dashboard/svelte.config.js',
      'dashboard/vite.config.ts',
      'dashboard/tsconfig.json',
    ],
    output: 'dashboard/build',
  },
  motor: {
    inputs: [...common, 'shared/src', 'motor/src', 'motor/package.json', 'motor/tsconfig.build.json'],
    output: 'motor/dist',
  },
};

const SKIP = /(^|\/)(node_modules|\.svelte-kit|dist|build)(\/|$)|\.test\.ts$/;

function files(rel) {
  const abs = path.join(root, rel);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [rel];
  return readdirSync(abs, { withFileTypes: true })
    .flatMap((e) => (SKIP.test(`${rel}/${e.name}`) ? [] : files(`${rel}/${e.name}`)))
    .sort();
}

function inputsHash(inputs) {
  const h = createHash('sha256');
  for (const f of inputs.flatMap(files))
    h.update(f)
      .update('\0')
      .update(readFileSync(path.join(root, f)))
      .update('\0');
  return h.digest('hex');
}

const args = process.argv.slice(2);
const force = args.includes('--force');
const named = args.filter((a) => a !== '--force');
const names = named.length ? named : Object.keys(WORKSPACES);
for (const name of names) {
  const ws = WORKSPACES[name];
  if (!ws) {
    console.error(`build-once: unknown workspace "${name}" (known: ${Object.keys(WORKSPACES).join(', ')})`);
    process.exit(2);
  }
  const stamp = path.join(root, ws.output, '.build-hash');
  const hash = inputsHash(ws.inputs);
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
    console.log(`build-once: ${name} is up to date`);
    continue;
  }
  console.log(`build-once: building ${name}…`);
  const r = spawnSync('npm', ['run', 'build', '-w', name], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(stamp, hash + '\n');
}
