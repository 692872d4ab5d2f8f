import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SupabaseAuth } from '../../src/adapters/auth/supabase-auth.adapter.js';
import { UsersService } from '../../src/services/users.service.js';
import { startGotrueServer, type GotrueServer } from '../support/gotrue-server.js';
import { addMember, api, login, sessionCookieOf, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Every login spends a deliberately slow scrypt hash; loops of them on a busy 2-core machine
// (the whole suite in parallel) need more than the default 30 s.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

describe(UsersService.name, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { PUBLIC_URL: 'https://atende.example.com' } });
  });
  afterAll(() => app?.close());

  const team = async () => {
    const owner = await signup(app.baseUrl);
    const admin = await addMember(app.baseUrl, owner.cookie, { role: 'admin' });
    const agent = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
    return { owner, admin, agent };
  };

  it('lists the team for every role, oldest first, without secrets', async () => {
    const { owner, admin, agent } = await team();
    for (const who of [owner, admin, agent]) {
      const r = await api(app.baseUrl, who.cookie).get('/api/users');
      expect(r.status).toBe(200);
      expect(r.body.map((u: { role: string }) => u.role)).toEqual(['owner', 'admin', 'agent']);
      expect(r.body[0]).toEqual({
        id: owner.user.id,
        email: owner.email,
        name: 'Owner',
        role: 'owner',
        createdAt: expect.any(String),
        pending: false,
      });
      expect(JSON.stringify(r.body)).not.toMatch(/hash|password/i);
    }
    expect((await api(app.baseUrl).get('/api/users')).status).toBe(401);
  });

  it('invites with a password: 201 {user}, the member can log in at once', async () => {
    const { owner } = await team();
    const email = `new-${randomUUID()}@example.com`;
    const r = await api(app.baseUrl, owner.cookie).post('/api/users', {
      email,
      name: 'Nova',
      role: 'agent',
      password: 'initial password',
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      user: expect.objectContaining({ email, name: 'Nova', role: 'agent', pending: false }),
    });
    const l = await login(app.baseUrl, { email, password: 'initial password' });
    expect(l.account.id).toBe(owner.account.id);
  });

  it('invites by one-time link: accepting it sets the password and logs in; a second use is 404', async () => {
    const { admin } = await team();
    const email = `link-${randomUUID()}@example.com`;
    const r = await api(app.baseUrl, admin.cookie).post('/api/users', { email, name: 'Link', role: 'agent' });
    expect(r.status).toBe(201);
    expect(r.body.user.pending).toBe(true);
    expect(r.body.inviteUrl).toMatch(/^https:\/\/atende\.example\.com\/invite\/[A-Za-z0-9_-]{40,}$/);
    const token = r.body.inviteUrl.split('/').pop();
    // Pending members cannot log in yet.
    expect((await api(app.baseUrl).post('/api/auth/login', { email, password: 'whatever pw' })).status).toBe(
      401,
    );
    const accept = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token,
      password: 'chosen password',
    });
    expect(accept.status).toBe(200);
    expect(accept.body.user).toMatchObject({ email, role: 'agent' });
    expect((await api(app.baseUrl, sessionCookieOf(accept.headers)).get('/api/me')).status).toBe(200);
    const again = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token,
      password: 'another password',
    });
    expect(again.status).toBe(404);
    expect(
      (
        await api(app.baseUrl).post('/api/auth/invite/accept', {
          token: 'x'.repeat(43),
          password: 'chosen password',
        })
      ).status,
    ).toBe(404);
    await login(app.baseUrl, { email, password: 'chosen password' });
  });

  // An invite must not tell an owner that an address has a login in another account.
  const shapeOf = (body: { user: Record<string, unknown>; inviteUrl?: string }) => ({
    keys: Object.keys(body).sort(),
    userKeys: Object.keys(body.user).sort(),
    pending: body.user.pending,
    role: body.user.role,
    inviteUrl: body.inviteUrl?.replace(/[^/]+$/, 'TOKEN'),
  });

  it('invites an address that has a login in another account exactly as a fresh one (no 409)', async () => {
    const { owner } = await team();
    const other = await signup(app.baseUrl);
    const o = api(app.baseUrl, owner.cookie);
    for (const extra of [{ password: 'whatever pw 1' }, {}]) {
      const owner2 = extra.password ? owner : (await team()).owner;
      const fresh = await api(app.baseUrl, owner2.cookie).post('/api/users', {
        email: `fresh-${randomUUID()}@example.com`,
        name: 'X',
        role: 'agent',
        ...extra,
      });
      const taken = await api(app.baseUrl, owner2.cookie).post('/api/users', {
        email: other.email.toUpperCase(),
        name: 'X',
        role: 'agent',
        ...extra,
      });
      expect(taken.status).toBe(fresh.status);
      expect(taken.status).toBe(201);
      expect(shapeOf(taken.body)).toEqual(shapeOf(fresh.body));
      expect(taken.body.user.email).toBe(other.email);
    }
    // The other account's login is untouched; the inviter's password does not open anything.
    expect((await login(app.baseUrl, { email: other.email, password: other.password })).account.id).toBe(
      other.account.id,
    );
    const stolen = await api(app.baseUrl).post('/api/auth/login', {
      email: other.email,
      password: 'whatever pw 1',
    });
    expect(stolen.status).toBe(401);
    // Listed like any member; on the same team the address is a plain 409 (nothing to hide there).
    expect((await o.get('/api/users')).body.some((u: { email: string }) => u.email === other.email)).toBe(
      true,
    );
    const again = await o.post('/api/users', { email: other.email, name: 'X', role: 'agent' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  it("refuses to accept an invite for an address with a login elsewhere, telling only the link's holder", async () => {
    const { owner } = await team();
    const other = await signup(app.baseUrl);
    const r = await api(app.baseUrl, owner.cookie).post('/api/users', {
      email: other.email,
      name: 'Taken',
      role: 'agent',
    });
    const token = r.body.inviteUrl.split('/').pop();
    const accept = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token,
      password: 'chosen password',
    });
    expect(accept.status).toBe(409);
    expect(accept.body.error).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already has an Atende login/),
    });
    expect(accept.headers.getSetCookie()).toEqual([]);
    // The inviter still sees a pending member, as for anyone who has not accepted yet.
    const member = (await api(app.baseUrl, owner.cookie).get('/api/users')).body.find(
      (u: { email: string }) => u.email === other.email,
    );
    expect(member.pending).toBe(true);
    expect((await login(app.baseUrl, { email: other.email, password: other.password })).account.id).toBe(
      other.account.id,
    );
  });

  it('lets a pending invitee sign up elsewhere; the invite then fails at acceptance', async () => {
    const { owner } = await team();
    const email = `both-${randomUUID()}@example.com`;
    const r = await api(app.baseUrl, owner.cookie).post('/api/users', { email, name: 'B', role: 'agent' });
    const token = r.body.inviteUrl.split('/').pop();
    await signup(app.baseUrl, { email });
    const accept = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token,
      password: 'chosen password',
    });
    expect(accept.status).toBe(409);
  });

  it('gives agents 403 on invite, role change and removal', async () => {
    const { owner, agent } = await team();
    const a = api(app.baseUrl, agent.cookie);
    expect(
      (
        await a.post('/api/users', {
          email: `x-${randomUUID()}@example.com`,
          name: 'X',
          role: 'agent',
          password: 'whatever pw',
        })
      ).body.error.code,
    ).toBe('forbidden');
    expect((await a.patch(`/api/users/${owner.user.id}`, { role: 'agent' })).status).toBe(403);
    expect((await a.delete(`/api/users/${owner.user.id}`)).status).toBe(403);
  });

  it('lets an admin manage agents and admins, but not owners', async () => {
    const { owner, admin, agent } = await team();
    const a = api(app.baseUrl, admin.cookie);
    expect((await a.patch(`/api/users/${agent.user.id}`, { role: 'admin' })).body.role).toBe('admin');
    expect((await a.patch(`/api/users/${agent.user.id}`, { role: 'agent' })).body.role).toBe('agent');
    expect((await a.patch(`/api/users/${agent.user.id}`, { role: 'owner' })).status).toBe(403);
    expect((await a.patch(`/api/users/${owner.user.id}`, { role: 'agent' })).status).toBe(403);
    expect((await a.delete(`/api/users/${owner.user.id}`)).status).toBe(403);
    // Owners are only made by owners; the invite schema has no owner role at all.
    expect(
      (
        await a.post('/api/users', {
          email: `o-${randomUUID()}@example.com`,
          name: 'O',
          role: 'owner',
          password: 'whatever pw',
        })
      ).status,
    ).toBe(400);
  });

  it('keeps at least one owner and refuses removing yourself', async () => {
    const { owner, admin } = await team();
    const o = api(app.baseUrl, owner.cookie);
    const demote = await o.patch(`/api/users/${owner.user.id}`, { role: 'admin' });
    expect(demote.status).toBe(409);
    expect((await o.delete(`/api/users/${owner.user.id}`)).status).toBe(409);
    // With a second owner the first may step down.
    expect((await o.patch(`/api/users/${admin.user.id}`, { role: 'owner' })).body.role).toBe('owner');
    expect((await o.patch(`/api/users/${owner.user.id}`, { role: 'agent' })).body.role).toBe('agent');
    // The demoted owner's next request already sees the new role.
    expect((await api(app.baseUrl, owner.cookie).get('/api/me')).body.user.role).toBe('agent');
    expect(
      (await api(app.baseUrl, owner.cookie).patch(`/api/users/${admin.user.id}`, { role: 'agent' })).status,
    ).toBe(403);
  });

  it('removes a member and revokes their sessions at once', async () => {
    const { owner, agent } = await team();
    expect((await api(app.baseUrl, agent.cookie).get('/api/me')).status).toBe(200);
    expect((await api(app.baseUrl, owner.cookie).delete(`/api/users/${agent.user.id}`)).status).toBe(204);
    expect((await api(app.baseUrl, agent.cookie).get('/api/me')).status).toBe(401);
    expect((await api(app.baseUrl, owner.cookie).get('/api/users')).body).toHaveLength(2);
    expect((await api(app.baseUrl, owner.cookie).delete(`/api/users/${agent.user.id}`)).status).toBe(404);
  });

  it("answers 404 for another account's users and 400 for bad ids and bodies", async () => {
    const { owner } = await team();
    const other: SignedUp = await signup(app.baseUrl);
    const o = api(app.baseUrl, owner.cookie);
    expect((await o.patch(`/api/users/${other.user.id}`, { role: 'agent' })).status).toBe(404);
    expect((await o.delete(`/api/users/${other.user.id}`)).status).toBe(404);
    expect((await o.patch(`/api/users/${randomUUID()}`, { role: 'agent' })).status).toBe(404);
    expect((await o.patch('/api/users/not-a-uuid', { role: 'agent' })).status).toBe(400);
    expect((await o.delete('/api/users/not-a-uuid')).status).toBe(400);
    for (const body of [{}, null, [], { role: 'superuser' }, { role: 7 }]) {
      const r = await o.patch(`/api/users/${owner.user.id}`, JSON.stringify(body));
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    for (const body of [
      {},
      null,
      [{}],
      { email: 'bad', name: 'x' },
      { email: `${randomUUID()}@e.co`, name: 'x', password: 'short' },
      { email: `${randomUUID()}@e.co`, name: 'x'.repeat(1024 * 1024) },
    ]) {
      const r = await o.post('/api/users', JSON.stringify(body));
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    expect((await o.get('/api/users')).body).toHaveLength(3);
  });
});

describe(`${UsersService.name} with Supabase Auth`, () => {
  let app: TestApp;
  let gotrue: GotrueServer;
  beforeAll(async () => {
    gotrue = await startGotrueServer();
    const supabase = new SupabaseAuth({
      url: gotrue.url,
      serviceRoleKey: gotrue.serviceRoleKey,
      jwtSecret: gotrue.jwtSecret,
    });
    app = await startTestApp({ supabase });
  });
  afterAll(async () => {
    await app?.close();
    await gotrue?.close();
  });

  it('invites with a password (a Supabase user is created) and removes the member (and the Supabase user)', async () => {
    const owner = await signup(app.baseUrl);
    const agent = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
    const su = [...gotrue.users.values()].find((u) => u.email === agent.email);
    expect(su).toBeDefined();
    expect((await api(app.baseUrl, agent.cookie).get('/api/me')).body.user.role).toBe('agent');
    expect((await api(app.baseUrl, owner.cookie).delete(`/api/users/${agent.user.id}`)).status).toBe(204);
    expect(gotrue.users.has(su!.id)).toBe(false);
    expect((await api(app.baseUrl, agent.cookie).get('/api/me')).status).toBe(401);
  });

  it('invites by link: accepting creates the Supabase user and logs in; the link works once', async () => {
    const owner = await signup(app.baseUrl);
    const email = `sb-link-${randomUUID()}@example.com`;
    const r = await api(app.baseUrl, owner.cookie).post('/api/users', { email, name: 'Link', role: 'admin' });
    expect(r.status).toBe(201);
    const token = r.body.inviteUrl.split('/').pop();
    const accept = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token,
      password: 'chosen password',
    });
    expect(accept.status).toBe(200);
    expect(accept.body.user).toMatchObject({ email, role: 'admin' });
    expect((await api(app.baseUrl, sessionCookieOf(accept.headers)).get('/api/me')).body.account.id).toBe(
      owner.account.id,
    );
    expect(
      (await api(app.baseUrl).post('/api/auth/invite/accept', { token, password: 'chosen password' })).status,
    ).toBe(404);
    expect([...gotrue.users.values()].filter((u) => u.email === email)).toHaveLength(1);
    await login(app.baseUrl, { email, password: 'chosen password' });
  });

  it('invites an address with a Supabase login in another account as a fresh one; accepting it is 409', async () => {
    const owner = await signup(app.baseUrl);
    const other = await signup(app.baseUrl);
    const withPassword = await api(app.baseUrl, owner.cookie).post('/api/users', {
      email: other.email,
      name: 'Taken',
      role: 'agent',
      password: 'whatever pw 1',
    });
    expect(withPassword.status).toBe(201);
    expect(withPassword.body.user).toMatchObject({ email: other.email, pending: false });
    expect([...gotrue.users.values()].filter((u) => u.email === other.email)).toHaveLength(1);
    const owner2 = await signup(app.baseUrl);
    const link = await api(app.baseUrl, owner2.cookie).post('/api/users', {
      email: other.email,
      name: 'T',
      role: 'agent',
    });
    expect(link.status).toBe(201);
    const token = link.body.inviteUrl.split('/').pop();
    const accept = await api(app.baseUrl).post('/api/auth/invite/accept', {
      token,
      password: 'chosen password',
    });
    expect(accept.status).toBe(409);
    expect((await login(app.baseUrl, { email: other.email, password: other.password })).account.id).toBe(
      other.account.id,
    );
  });
});
