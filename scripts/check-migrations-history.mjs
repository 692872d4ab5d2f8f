#!/usr/bin/env node
// Migrations are history (docs/adr/0004-migrations-are-history.md): a migration file that has been
// on main is never edited or deleted. This check fails when, in the working tree, such a file
// differs from its first version on main, or is gone; and when main itself ever shipped two
// different versions of one file.
//
// Which commits were main? Landings here are fast-forwards of a branch that first merged main, so
// main's tips survive as the main-side parent of those merges ("Merge branch 'main' into x"; a
// plain "Merge branch 'x'" into main has main as its first parent) plus main's tip today. A
// branch's own intermediate commits are not versions of main and are not held against it.
// Round one edited its migrations before the rule existed, so history counts from the commit that
// added the ADR (the baseline); before it is on main, main's tip is the baseline.
// Each file checked is a test: the last line is "N passed, N failed".
//
//   node scripts/check-migrations-history.mjs [--ref main]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository the command runs in (a fresh clone, a worktree); this script's own otherwise.
const root = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
  } catch {
    return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  }
})();
const DIR = 'supabase/migrations';
const ADR = 'docs/adr/0004-migrations-are-history.md';
const git = (...args) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
const lines = (s) => (s ? s.split('\n') : []);
const short = (c) => c.slice(0, 10);

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
const tip = git('rev-parse', ref);
const baseline = lines(git('log', '--diff-filter=A', '--format=%H', ref, '--', ADR)).pop() ?? tip;

/** Commits that were main's tip at some landing, baseline first (see the header). */
function mainTips() {
  const tips = new Set([baseline, tip]);
  for (const row of lines(git('log', '--merges', '--format=%H %P%x09%s', `${baseline}..${ref}`))) {
    const [ids, subject] = row.split('\t');
    const [, p1, p2] = ids.split(' ');
    if (/^Merge .*\bmain\b.* into /.test(subject)) tips.add(p2);
    else if (!/ into /.test(subject)) tips.add(p1);
  }
  const order = lines(git('rev-list', '--topo-order', '--reverse', ref));
  const descends = (c) => c === baseline || isAncestor(baseline, c);
  return order.filter((c) => tips.has(c) && descends(c));
}

function isAncestor(a, b) {
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', a, b], { cwd: root });
    return true;
  } catch {
    return false;
  }
}

/** path → the versions main shipped, in order: [{ blob, commit }]. */
const shipped = new Map();
for (const commit of mainTips()) {
  for (const row of lines(git('ls-tree', '-r', commit, '--', `${DIR}/`))) {
    const [meta, file] = row.split('\t');
    if (!file.endsWith('.sql')) continue;
    const blob = meta.split(' ')[2];
    const versions = shipped.get(file) ?? [];
    if (versions.at(-1)?.blob !== blob) versions.push({ blob, commit });
    shipped.set(file, versions);
  }
}

const restoreHint = (file, commit) => [
  `    git show ${short(commit)}:${file} > ${file}`,
  `  and put the change in a new migration (${ADR})`,
];
let passed = 0;
let failed = 0;
for (const [file, [first, ...later]] of [...shipped].sort(([a], [b]) => a.localeCompare(b))) {
  const problems = [];
  for (const v of later)
    problems.push(`main changed it in ${short(v.commit)} (first shipped in ${short(first.commit)})`);
  if (!existsSync(path.join(root, file))) problems.push(`it was deleted (shipped in ${short(first.commit)})`);
  else if (git('hash-object', '--', file) !== first.blob)
    problems.push(`it differs from its first version on main (${short(first.commit)})`);
  if (problems.length === 0) {
    passed++;
    continue;
  }
  failed++;
  console.log(`✗ ${file}: ${problems.join('; ')}; migrations are history. Restore it with`);
  console.log(restoreHint(file, first.commit).join('\n'));
}
console.log(
  `migrations history (${ref}, since ${short(baseline)}): ${shipped.size} files shipped on main checked`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
