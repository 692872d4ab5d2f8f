// What every spec gets: pages in fresh browser contexts and the few steps most specs start with.
import path from 'node:path';

const DESKTOP = { width: 1360, height: 860 };

/**
 * @param {{browser: import('playwright-core').Browser, motor: {url: string}, out: string, TIMEOUT: number}} base
 */
export function toolkit({ browser, motor, out, TIMEOUT }) {
  const newPage = async ({ viewport = DESKTOP, locale = 'pt-BR' } = {}) => {
    const ctx = await browser.newContext({ baseURL: motor.url, viewport, locale });
    ctx.setDefaultTimeout(TIMEOUT);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.log(`    [page error] ${e.message}`));
    return page;
  };

  /** A fetch from inside the page: same origin, the page's session cookie. */
  const apiCall = (page, method, url, body) =>
    page.evaluate(
      async ([m, u, b]) => {
        const r = await fetch(u, {
          method: m,
          headers: b ? { 'content-type': 'application/json' } : {},
          body: b ? JSON.stringify(b) : undefined,
        });
        const text = await r.text();
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          json = text;
        }
        return { status: r.status, json, headers: Object.fromEntries(r.headers.entries()) };
      },
      [method, url, body],
    );

  /** Signs up through the form (pt-BR labels) and waits for the overview. */
  const signup = async (page, user) => {
    await page.goto('/signup');
    await page.getByLabel('Seu nome').fill(user.name);
    await page.getByLabel('Nome da empresa').fill(user.accountName);
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByLabel('Senha').fill(user.password);
    await page.getByRole('button', { name: 'Criar conta' }).click();
    await page.waitForURL((u) => u.pathname === '/');
  };

  /** Logs in through the form (pt-BR labels) and waits for the overview. */
  const login = async (page, user) => {
    await page.goto('/login');
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByLabel('Senha').fill(user.password);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.waitForURL((u) => u.pathname === '/');
  };

  /** Connects a number through the API and simulates the QR scan; resolves once it is connected. */
  const connectNumber = async (page, instanceName) => {
    const r = await apiCall(page, 'POST', '/api/instance/connect', { instanceName });
    if (r.status >= 300) throw new Error(`connect: ${r.status} ${JSON.stringify(r.json)}`);
    const s = await apiCall(page, 'POST', '/api/sandbox/scan', { instanceName });
    if (s.status >= 300) throw new Error(`scan: ${s.status} ${JSON.stringify(s.json)}`);
    for (let i = 0; i < 100; i++) {
      const l = await apiCall(page, 'GET', '/api/instances');
      const list = Array.isArray(l.json) ? l.json : (l.json?.instances ?? []);
      const inst = list.find((x) => x.name === instanceName || x.instanceName === instanceName);
      if (inst?.status === 'connected') return inst;
      await page.waitForTimeout(200);
    }
    throw new Error(`${instanceName} did not connect`);
  };

  /** A customer writes through the simulator ("the phone side"). */
  const sandboxMessage = async (page, { instanceName, phone, name, text }) => {
    const r = await apiCall(page, 'POST', '/api/sandbox/messages', { instanceName, phone, name, text });
    if (r.status >= 300) throw new Error(`sandbox message: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };

  const shot = (page, name) => page.screenshot({ path: path.join(out, `${name}.png`) });

  /**
   * Polls `fn` (in Node, so it may call apiCall) every 150 ms until it answers something truthy,
   * and answers that; after `ms` it fails naming `what`.
   */
  const waitFor = async (page, what, fn, ms = TIMEOUT) => {
    const until = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await page.waitForTimeout(150);
    }
  };

  return { newPage, apiCall, signup, login, connectNumber, sandboxMessage, shot, waitFor };
}
