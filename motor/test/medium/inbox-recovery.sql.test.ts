import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SupabaseAuth } from '../../src/adapters/auth/supabase-auth.adapter.js';
import { startGotrueServer, type GotrueServer } from '../support/gotrue-server.js';
import { addMember, api, login, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Issue 11 (9): the console told the demo owner to change the password "under Settings → Team",
// which had no such screen; a member who forgot a password had no way back; an invite link could
// not be copied again. Change-password for oneself exists (POST /api/auth/password); these cover
// the reset by an owner/admin, the invite link again, and the forgotten-password request.
const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;

describe('account recovery, local users (issue 11)', () => {
  let app: TestApp;
  let owner: SignedUp;
  let asOwner: ReturnType<typeof api>;
  beforeAll(async () => {
    app = await startTestApp();
    owner = await signup(app.baseUrl);
    asOwner = api(app.baseUrl, owner.cookie);
  });
  afterAll(() => app?.close());

  it('an owner resets a member: a one-time link, the old password and sessions stop working', async () => {
    const member = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
    const r = await asOwner.post(`/api/users/${member.user.id}/link`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      kind: 'reset',
      url: expect.stringMatching(/\/invite\/[A-Za-z0-9_-]{40,}\?reset=1$/),
    });
    expect((await api(app.baseUrl, member.cookie).get('/api/me')).status).toBe(401);
    const accept = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token: tokenOf(r.body.url),
      password: 'a brand new password',
    });
    expect(accept.status, JSON.stringify(accept.body)).toBe(200);
    await expect(login(app.baseUrl, { email: member.email, password: member.password })).rejects.toThrow(
      /401/,
    );
    await login(app.baseUrl, { email: member.email, password: 'a brand new password' });
    const reuse = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token: tokenOf(r.body.url),
      password: 'x'.repeat(12),
    });
    expect(reuse.status).toBe(404);
  });

  it('gives a pending invite a fresh link (the old one stops working)', async () => {
    const invited = await asOwner.post('/api/users', {
      email: `pend-${Date.now()}@example.com`,
      name: 'Pendente',
      role: 'agent',
    });
    expect(invited.status).toBe(201);
    const again = await asOwner.post(`/api/users/${invited.body.user.id}/link`);
    expect(again.body.kind).toBe('invite');
    expect(again.body.url).not.toBe(invited.body.inviteUrl);
    const old = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token: tokenOf(invited.body.inviteUrl),
      password: 'pending password 1',
    });
    expect(old.status).toBe(404);
    const ok = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token: tokenOf(again.body.url),
      password: 'pending password 1',
    });
    expect(ok.status).toBe(200);
  });

  it('refuses agents (403), resetting oneself (403), an admin resetting an owner (403), another account (404)', async () => {
    const agent = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
    const admin = await addMember(app.baseUrl, owner.cookie, { role: 'admin' });
    const stranger = await signup(app.baseUrl);
    const cases: [ReturnType<typeof api>, string, number][] = [
      [api(app.baseUrl, agent.cookie), admin.user.id, 403],
      [asOwner, owner.user.id, 403],
      [api(app.baseUrl, admin.cookie), owner.user.id, 403],
      [api(app.baseUrl, stranger.cookie), agent.user.id, 404],
    ];
    for (const [who, id, status] of cases) {
      const r = await who.post(`/api/users/${id}/link`);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
    }
  });

  it('answers a forgotten password the same way for any email: ask an admin (202)', async () => {
    for (const email of [owner.email, 'nobody@example.com']) {
      const r = await api(app.baseUrl).post('/api/auth/recover', { email });
      expect(r.status).toBe(202);
      expect(r.body).toEqual({ channel: 'admin' });
    }
    const bad = await api(app.baseUrl).post('/api/auth/recover', { email: 'not an email' });
    expect(bad.status).toBe(400);
    // Issue 11 (6): the field path AND the code, so the dashboard can say it in pt-BR.
    expect(bad.body.error.details[0]).toMatchObject({
      path: 'body.email',
      code: 'invalid_format',
      format: 'email',
    });
  });
});

describe('account recovery with Supabase Auth (issue 11)', () => {
  let gotrue: GotrueServer;
  let app: TestApp;
  beforeAll(async () => {
    gotrue = await startGotrueServer();
    const supabase = new SupabaseAuth({
      url: gotrue.url,
      serviceRoleKey: gotrue.serviceRoleKey,
      anonKey: gotrue.anonKey,
    });
    app = await startTestApp({ supabase, env: { PUBLIC_URL: 'https://atende.example.com' } });
  });
  afterAll(async () => {
    await app?.close();
    await gotrue?.close();
  });

  it("uses Supabase's own recovery email (resetPasswordForEmail), for the login page and for an owner's reset", async () => {
    const owner = await signup(app.baseUrl);
    const r = await api(app.baseUrl).post('/api/auth/recover', { email: owner.email });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ channel: 'email' });
    expect(gotrue.recoveries.at(-1)).toEqual({
      email: owner.email,
      redirectTo: 'https://atende.example.com/login',
    });

    const member = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
    const link = await api(app.baseUrl, owner.cookie).post(`/api/users/${member.user.id}/link`);
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    expect(link.body).toEqual({ kind: 'email', url: null });
    expect(gotrue.recoveries.at(-1)?.email).toBe(member.email);
  });
});
