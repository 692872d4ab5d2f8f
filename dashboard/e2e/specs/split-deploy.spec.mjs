// The split deployment (docs/deploy-render-netlify-supabase.md), on one machine: the dashboard's
// static build served by a plain static server (as Netlify would) on `localhost`, the Motor on
// `127.0.0.1` with DASHBOARD_ORIGINS naming the first. Two different SITES, as *.netlify.app and
// *.onrender.com are: the Motor's cookie would be third-party there, so the dashboard keeps its
// session as a bearer token (sessionStorage, Authorization header, socket auth.token). A new owner
// signs up, logs in, connects a number through the simulator, receives a message live, replies and
// logs out (the token dies with the session); a page on a third origin can neither read nor change
// anything.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticSite } from '../lib/static-site.mjs';

const build = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build');
const state = { motorUrl: '', site: /** @type {{url: string} | null} */ (null) };

// E2E_DASHBOARD_HOST=127.0.0.1 serves the dashboard from the Motor's site instead (another port:
// same site), as with app.example.com and api.example.com.
export async function motorEnv() {
  const site = await startStaticSite({
    dir: build,
    env: () => ({ motorUrl: state.motorUrl }),
    host: process.env.E2E_DASHBOARD_HOST ?? 'localhost',
  });
  state.site = site;
  return { env: { DASHBOARD_ORIGINS: site.url }, close: site.close };
}

/** @param {import('../run.mjs').T} t */
export default async function splitDeploy(t) {
  state.motorUrl = t.motor.url;
  const site = /** @type {{url: string}} */ (state.site);
  const stamp = Date.now().toString(36);
  const owner = {
    name: 'Carla Dona',
    accountName: 'Floricultura Split',
    email: `carla.${stamp}@example.com`,
    password: 'split-deploy-1',
  };
  const instanceName = `split-${stamp}`;
  const customer = { phone: '5511912345678', name: 'Joana Cliente' };

  const ctx = await t.browser.newContext({
    baseURL: site.url,
    locale: 'pt-BR',
    viewport: { width: 1360, height: 860 },
  });
  ctx.setDefaultTimeout(t.TIMEOUT);
  const page = await ctx.newPage();
  const cspErrors = [];
  page.on('console', (m) => /Content Security Policy|CORS/i.test(m.text()) && cspErrors.push(m.text()));
  page.on('pageerror', (e) => console.log(`    [page error] ${e.message}`));
  if (process.env.E2E_DEBUG) {
    page.on('console', (m) => console.log(`    [console] ${m.text()}`));
    page.on('response', (r) => console.log(`    [resp] ${r.request().method()} ${r.url()} ${r.status()}`));
  }
  /** The bearer token the dashboard keeps for this tab (null when logged out). */
  const tokenOf = () =>
    page.evaluate(() => JSON.parse(sessionStorage.getItem('atende.session') ?? 'null')?.token ?? null);
  /** A fetch from the dashboard's page to the Motor's origin, as the dashboard makes them. */
  const motorCall = (method, p, body, token) =>
    page.evaluate(
      async ([m, u, b, tok]) => {
        const bearer = tok ?? JSON.parse(sessionStorage.getItem('atende.session') ?? 'null')?.token;
        const r = await fetch(u, {
          method: m,
          headers: {
            ...(b ? { 'content-type': 'application/json' } : {}),
            ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          },
          body: b ? JSON.stringify(b) : undefined,
        });
        return { status: r.status, json: await r.json().catch(() => null) };
      },
      [method, `${t.motor.url}${p}`, body, token ?? null],
    );

  try {
    await t.step('the static dashboard knows where the Motor is (runtime env.js, no rebuild)', async () => {
      await page.goto('/login');
      const motorUrl = await page.evaluate(() => window.__ATENDE__?.motorUrl);
      if (motorUrl !== t.motor.url) throw new Error(`env.js says ${motorUrl}`);
    });

    await t.step('sign up on the dashboard origin: the account is created on the Motor', async () => {
      await page.goto('/signup');
      await page.getByLabel('Seu nome').fill(owner.name);
      await page.getByLabel('Nome da empresa').fill(owner.accountName);
      await page.getByLabel('E-mail').fill(owner.email);
      await page.getByLabel('Senha').fill(owner.password);
      await page.getByRole('button', { name: 'Criar conta' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.getByRole('heading', { name: /Olá, Carla/ }).waitFor();
      await page.locator('[data-testid=live-state][data-state=online]:visible').first().waitFor();
      const me = await motorCall('GET', '/api/me');
      if (me.status !== 200 || me.json?.user?.email !== owner.email) throw new Error(`me: ${me.status}`);
      // The session is a bearer token in this tab's sessionStorage: no cookie, nothing in localStorage.
      if (!/^at1\./.test((await tokenOf()) ?? '')) throw new Error('no bearer token in sessionStorage');
      const cookies = await ctx.cookies(t.motor.url);
      if (cookies.length) throw new Error(`the Motor set cookies: ${cookies.map((c) => c.name)}`);
      const local = await page.evaluate(() => JSON.stringify(localStorage));
      if (/at1\./.test(local)) throw new Error('the token leaked into localStorage');
    });

    await t.step('log out (the token dies with the session) and log in again', async () => {
      const before = await tokenOf();
      await page.locator('button[aria-label="Menu do usuário"]:visible').click();
      await page.getByRole('menuitem', { name: 'Sair' }).click();
      await page.waitForURL('**/login');
      if (await tokenOf()) throw new Error('the token is still in sessionStorage after logout');
      const stolen = await motorCall('GET', '/api/me', undefined, before);
      if (stolen.status !== 401) throw new Error(`the old token still works after logout: ${stolen.status}`);
      await page.getByLabel('E-mail').fill(owner.email);
      await page.getByLabel('Senha').fill(owner.password);
      await page.getByRole('button', { name: 'Entrar' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.locator('[data-testid=live-state][data-state=online]:visible').first().waitFor();
    });

    await t.step('connect a number through the simulator: QR, scan, "connected" live', async () => {
      await page.getByRole('link', { name: 'Configurações' }).first().click();
      await page.waitForURL('**/settings/whatsapp');
      await page.getByLabel('Nome interno (opcional)').fill(instanceName);
      await page.getByRole('button', { name: 'Conectar número' }).click();
      const card = page.locator(`[data-testid=instance-card][data-instance="${instanceName}"]`);
      await card.locator('[data-testid=qr] img').waitFor();
      await page.getByTestId('sandbox').getByRole('button', { name: 'Simular leitura do QR' }).click();
      await page
        .locator(`[data-testid=instance-card][data-instance="${instanceName}"][data-status=connected]`)
        .waitFor();
    });

    let conversationId = '';
    await t.step('a customer message arrives live over the cross-origin socket', async () => {
      await page.getByRole('link', { name: 'Conversas' }).first().click();
      await page.waitForURL('**/conversations');
      const r = await motorCall('POST', '/api/sandbox/messages', {
        instanceName,
        ...customer,
        text: 'Vocês fazem buquês?',
      });
      if (r.status >= 300) throw new Error(`sandbox message: ${r.status} ${JSON.stringify(r.json)}`);
      const row = page.locator('a[data-conversation-id]', { hasText: customer.name });
      await row.getByText('Vocês fazem buquês?').waitFor();
      conversationId = (await row.getAttribute('data-conversation-id')) ?? '';
    });

    await t.step('the agent replies from the thread', async () => {
      await page.locator(`a[data-conversation-id="${conversationId}"]`).click();
      await page.waitForURL(`**/conversations/${conversationId}`);
      const box = page.getByLabel('Mensagem', { exact: true });
      await box.fill('Fazemos sim! Qual a ocasião?');
      await box.press('Enter');
      await page.locator('[data-message-id]', { hasText: 'Fazemos sim! Qual a ocasião?' }).waitFor();
      await page
        .locator('[data-message-id][data-status=read]', { hasText: 'Fazemos sim!' })
        .waitFor({ timeout: Math.max(t.TIMEOUT, 30000) });
      await page.screenshot({ path: path.join(t.out, 'split-deploy-inbox.png') });
    });

    await t.step('a reload keeps the session (sessionStorage), and the live socket comes back', async () => {
      await page.reload();
      await page.locator(`a[data-conversation-id="${conversationId}"]`).first().waitFor();
      await page.locator('[data-testid=live-state][data-state=online]:visible').first().waitFor();
    });

    await t.step('a page on a third origin can neither read nor change anything', async () => {
      const evil = await startStaticSite({
        pages: {
          '/': `<!doctype html><form id="f" method="POST" action="${t.motor.url}/api/instance/connect" enctype="text/plain"><input name="x" value="1"></form>`,
        },
      });
      try {
        const p = await ctx.newPage(); // same browser profile: it holds the owner's cookie
        await p.goto(evil.url);
        const read = await p.evaluate(async (u) => {
          try {
            const r = await fetch(`${u}/api/me`, { credentials: 'include' });
            return `read ${r.status}`;
          } catch {
            return 'blocked';
          }
        }, t.motor.url);
        if (read !== 'blocked') throw new Error(`a third origin read /api/me: ${read}`);
        const write = await p.evaluate(async (u) => {
          try {
            const r = await fetch(`${u}/api/instance/connect`, {
              method: 'POST',
              credentials: 'include',
              mode: 'no-cors',
              headers: { 'content-type': 'text/plain' },
              body: '{}',
            });
            return r.type;
          } catch {
            return 'blocked';
          }
        }, t.motor.url);
        await Promise.all([
          p.waitForNavigation().catch(() => {}),
          p.evaluate(() => document.getElementById('f').submit()),
        ]);
        const body = await p.textContent('body');
        if (!/forbidden/.test(body ?? ''))
          throw new Error(`the form POST was not refused: ${body?.slice(0, 200)} (fetch: ${write})`);
        const list = await motorCall('GET', '/api/instances');
        const count = (Array.isArray(list.json) ? list.json : (list.json?.instances ?? [])).length;
        if (count !== 1) throw new Error(`the account has ${count} instances, not 1`);
        await p.close();
      } finally {
        await evil.close();
      }
    });

    await t.step('no CSP or CORS error was reported by the dashboard', async () => {
      if (cspErrors.length) throw new Error(cspErrors.slice(0, 3).join('\n'));
    });
  } finally {
    await ctx.close();
  }
}
