// CSRF in a real browser (issue: the Origin check once looked only at lower-case /api/ paths). The
// owner is logged in to the Motor; a page served on another port of the same host (same site, so
// the SameSite=Lax cookie IS sent) submits HTML forms to the Motor's state-changing routes in
// lower, upper and mixed case. Every one must be refused, and nothing may change.
import { startStaticSite } from '../lib/static-site.mjs';

/** @param {import('../run.mjs').T} t */
export default async function security(t) {
  const stamp = Date.now().toString(36);
  const owner = {
    name: 'Dora Dona',
    accountName: 'Loja Segura',
    email: `dora.${stamp}@example.com`,
    password: 'csrf-browser-1',
  };
  const page = await t.newPage();

  await t.step('the owner signs up (session cookie in this browser profile)', async () => {
    await t.signup(page, owner);
  });

  const targets = [
    ['POST', '/api/instance/connect'],
    ['POST', '/API/instance/connect'],
    ['POST', '/Api/Instance/Connect'],
    ['POST', '/API/USERS'],
    ['POST', '/api/users'],
    ['POST', '/aPi/auth/logout'],
  ];
  const forms = targets
    .map(
      ([m, p], i) =>
        `<form id="f${i}" method="${m}" action="${t.motor.url}${p}" enctype="text/plain" target="w${i}"><input name='{"email":"evil@example.com","name":"E","role":"admin","password":"evil password 1","x":"' value='"}'></form><iframe name="w${i}"></iframe>`,
    )
    .join('\n');
  const evil = await startStaticSite({ pages: { '/': `<!doctype html><title>evil</title>${forms}` } });

  await t.step(
    'forms from another port, in every case, are refused with 403 and change nothing',
    async () => {
      try {
        const p = await page.context().newPage();
        await p.goto(evil.url);
        const answers = [];
        for (let i = 0; i < targets.length; i++) {
          const resp = p.waitForResponse((r) =>
            r
              .url()
              .toLowerCase()
              .startsWith(t.motor.url + targets[i][1].toLowerCase()),
          );
          await p.evaluate((id) => document.getElementById(id).submit(), `f${i}`);
          answers.push(`${targets[i][1]} → ${(await resp).status()}`);
        }
        if (answers.some((a) => !a.endsWith('403'))) throw new Error(answers.join(', '));
        const instances = await t.apiCall(page, 'GET', '/api/instances');
        const list = Array.isArray(instances.json) ? instances.json : (instances.json?.instances ?? []);
        if (list.length !== 0) throw new Error(`an instance was created: ${JSON.stringify(list)}`);
        const team = await t.apiCall(page, 'GET', '/api/users');
        const members = Array.isArray(team.json) ? team.json : (team.json?.users ?? []);
        if (members.some((m) => m.email === 'evil@example.com')) throw new Error('an admin was created');
        if ((await t.apiCall(page, 'GET', '/api/me')).status !== 200)
          throw new Error('the owner was logged out');
        await p.close();
      } finally {
        await evil.close();
      }
    },
  );

  await t.step(
    "an invite to another account's address looks like any invite; its holder is told on accepting",
    async () => {
      const taken = `taken.${stamp}@example.com`;
      const other = await fetch(`${t.motor.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: taken,
          password: 'other account 1',
          name: 'Outra',
          accountName: 'Outra Loja',
        }),
      });
      if (other.status !== 201) throw new Error(`second signup: ${other.status}`);
      await page.goto('/settings/team');
      await page.locator('#inv-name').fill('Pessoa Convidada');
      await page.locator('#inv-email').fill(taken);
      await page.getByRole('button', { name: 'Convidar', exact: true }).click();
      const url = (await page.locator('.invite-url code').textContent()) ?? '';
      const token = url.trim().split('/invite/')[1];
      if (!token) throw new Error(`no invite link shown: ${url}`);
      const holder = await t.newPage();
      await holder.goto(`/invite/${token}`);
      await holder.getByLabel('Senha').fill('holder password 1');
      await holder.getByRole('button', { name: 'Aceitar convite' }).click();
      await holder
        .getByRole('alert')
        .getByText('Este e-mail já tem um acesso ao Atende em outra empresa')
        .waitFor();
      await t.shot(holder, 'security-invite-taken');
    },
  );

  await t.step(
    'the dashboard page is served with a CSP (hashed scripts) and frame-ancestors none',
    async () => {
      const r = await page.request.get('/login');
      const csp = r.headers()['content-security-policy'] ?? '';
      if (!/frame-ancestors 'none'/.test(csp) || !/script-src 'self' 'sha256-/.test(csp))
        throw new Error(`CSP: ${csp}`);
      if (/script-src[^;]*'unsafe-inline'/.test(csp)) throw new Error('scripts allow unsafe-inline');
      if (r.headers()['x-content-type-options'] !== 'nosniff') throw new Error('no nosniff');
    },
  );
}
