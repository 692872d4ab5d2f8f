#!/usr/bin/env node
// Migrations are history (docs/adr/0004-migrations-are-history.md): a migration file that has been
// on main is never edited or deleted. This check compares every such file in the working tree with
// its first version on main's first-parent history and fails when one differs or is gone.
//
// Round one edited its migrations in place before the rule existed, so history counts from the
// commit that added the ADR on main (the baseline): a file already there is held to its text at the
// baseline, a file added later to the text it was added with. Before the ADR reaches main, main's
// tip is the baseline. Each file checked is a test: the last line is "N passed, N failed".
//
//   node scripts/check-migrations-history.mjs [--ref main]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = 'supabase/migrations';
const ADR = 'docs/adr/0004-migrations-are-history.md';
const git = (...args) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
const lines = (s) => (s ? s.split('\n') : []);

function mainRef() {
  const i = process.argv.indexOf('--ref');
  const candidates = i > 0 ? [process.argv[i + 1]] : ['main', 'origin/main'];
  for (const ref of candidates) {
    try {
      git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
      return ref;
    } catch {
      /* try the next */
    }
  }
  console.error(`no ${candidates.join(' or ')} branch to compare with (git fetch origin main)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const ref = mainRef();
const commits = lines(git('rev-list', '--first-parent', '--reverse', ref));
const adrAt = lines(git('log', '--first-parent', '--diff-filter=A', '--format=%H', ref, '--', ADR)).pop();
const from = adrAt ? commits.indexOf(adrAt) : commits.length - 1;

/** path → { blob, commit } of its first version on main from the baseline on. */
const first = new Map();
for (const commit of commits.slice(from)) {
  for (const row of lines(git('ls-tree', '-r', commit, '--', `${DIR}/`))) {
    const [meta, file] = row.split('\t');
    if (!file.endsWith('.sql') || first.has(file)) continue;
    first.set(file, { blob: meta.split(' ')[2], commit });
  }
}

let passed = 0;
let failed = 0;
for (const [file, { blob, commit }] of [...first].sort()) {
  const where = `first on main in ${commit.slice(0, 10)}`;
  if (!existsSync(path.join(root, file))) {
    failed++;
    console.log(`✗ ${file} was deleted (${where}); migrations are history, never removed`);
  } else if (git('hash-object', '--', file) !== blob) {
    failed++;
    console.log(`✗ ${file} differs from its version on main (${where}): restore it with`);
    console.log(`    git show ${commit.slice(0, 10)}:${file} > ${file}`);
    console.log(`  and put the change in a new migration (${ADR})`);
  } else {
    passed++;
  }
}
console.log(
  `migrations history (${ref}, baseline ${commits[from]?.slice(0, 10)}): ${first.size} files on main checked`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
