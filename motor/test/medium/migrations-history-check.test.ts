import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// scripts/check-migrations-history.mjs on small throw-away repositories that land the way this
// project does: a branch merges main, then main fast-forwards to it.
const SCRIPT = path.resolve(import.meta.dirname, '../../../scripts/check-migrations-history.mjs');
const ADR = 'docs/adr/0004-migrations-are-history.md';

describe('CI check: migrations on main are never edited', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd: repo,
      encoding: 'utf8',
    });
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
    await writeFile(path.join(repo, file), text);
  };
  const commit = async (files: Record<string, string>, message: string) => {
    for (const [f, t] of Object.entries(files)) await write(f, t);
    git('add', '-A');
    git('commit', '-qm', message);
  };
  const check = () => {
    const r = spawnSync('node', [SCRIPT], { cwd: repo, encoding: 'utf8' });
    return { ok: r.status === 0, out: r.stdout, last: r.stdout.trim().split('\n').at(-1) };
  };
  const land = (branch: string) => {
    git('checkout', '-q', branch);
    git('merge', '-q', '--no-edit', 'main', '-m', `Merge branch 'main' into ${branch}`);
    git('checkout', '-q', 'main');
    git('merge', '-q', '--ff-only', branch);
  };

  beforeEach(async () => {
    repo = await mkdtemp(path.join(os.tmpdir(), 'atende-history-'));
    git('init', '-q', '-b', 'main');
    await commit({ 'supabase/migrations/001_a.sql': 'select 1;\n' }, 'round one');
    await commit({ 'supabase/migrations/001_a.sql': 'select 2;\n' }, 'round one edits in place');
    await commit({ [ADR]: '# 4\n' }, 'the rule');
  });
  afterEach(() => rm(repo, { recursive: true, force: true }));

  it('passes on main, holding round-one files to their text when the rule came in', () => {
    expect(check()).toMatchObject({ ok: true, last: '1 passed, 0 failed' });
  });

  it("does not hold a branch's intermediate versions against it once it lands", async () => {
    git('checkout', '-q', '-b', 'feature');
    await commit({ 'supabase/migrations/002_b.sql': 'select 3;\n' }, 'b, first try');
    await commit({ 'supabase/migrations/002_b.sql': 'select 4;\n' }, 'b, fixed before landing');
    git('checkout', '-q', 'main');
    await commit({ 'README.md': 'main moved\n' }, 'someone else landed');
    land('feature');
    expect(check()).toMatchObject({ ok: true, last: '2 passed, 0 failed' });
  });

  it('fails, naming the file, when a branch edits or deletes a migration that is on main', async () => {
    git('checkout', '-q', '-b', 'feature');
    await write('supabase/migrations/001_a.sql', 'select 2; -- edited\n');
    const edited = check();
    expect(edited).toMatchObject({ ok: false, last: '0 passed, 1 failed' });
    expect(edited.out).toMatch(/001_a\.sql: it differs from its first version on main.*new migration/s);
    await rm(path.join(repo, 'supabase/migrations/001_a.sql'));
    expect(check().out).toMatch(/001_a\.sql: it was deleted/);
  });

  it('fails on main itself once an edit of a shipped migration has landed', async () => {
    git('checkout', '-q', '-b', 'feature');
    await commit({ 'supabase/migrations/001_a.sql': 'select 5;\n' }, 'edit in place');
    git('checkout', '-q', 'main');
    await commit({ 'README.md': 'main moved\n' }, 'someone else landed');
    land('feature');
    const r = check();
    expect(r).toMatchObject({ ok: false, last: '0 passed, 1 failed' });
    expect(r.out).toMatch(/001_a\.sql: main changed it in [0-9a-f]{10}/);
  });
});
