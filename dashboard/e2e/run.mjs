// Browser end-to-end test of the live inbox, driving Debian's Chromium through playwright-core.
//   node e2e/run.mjs          → builds nothing; starts the real Motor (motor/dist/main.js) on free ports
//   node e2e/run.mjs --mock   → against e2e/mock-motor.mjs (UI development without the Motor)
// Screenshots go to e2e/output/. The last line is "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(here, 'output');
mkdirSync(out, { recursive: true });
const useMock = process.argv.includes('--mock') || process.env.E2E_MOCK === '1';
const TIMEOUT = Number(process.env.E2E_TIMEOUT ?? 15000);

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** Builds shared + dashboard + Motor when an artifact is missing (or E2E_BUILD=1). */
function ensureBuilt() {
  const need = [path.join(root, 'motor/dist/main.js'), path.join(root, 'dashboard/build/index.html')];
  if (process.env.E2E_BUILD !== '1' && need.every((f) => existsSync(f))) return;
  console.log('building (npm run build)…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

async function startMotor() {
  if (useMock) {
    const { startMock } = await import('./mock-motor.mjs');
    const m = await startMock({ port: await freePort() });
    return { url: `http://127.0.0.1:${m.port}`, stop: m.close, logs: () => '' };
  }
  ensureBuilt();
  const port = await freePort();
  const simPort = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atende-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  let logs = '';
  const child = spawn(process.execPath, ['motor/dist/main.js'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), SIMULATOR_PORT: String(simPort), DATA_DIR: dataDir, PUBLIC_URL: url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (logs += d));
  child.stderr.on('data', (d) => (logs += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Motor exited (${child.exitCode}):\n${logs.slice(-3000)}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Motor not ready after 60 s:\n${logs.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    logs: () => logs,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const results = [];
let broken = false;
async function step(name, fn) {
  if (broken) {
    results.push({ name, ok: false, skipped: true });
    console.log(`  - ${name} (skipped)`);
    return;
  }
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    broken = true;
    console.log(`  ✗ ${name}\n    ${String(err?.stack ?? err).split('\n').slice(0, 6).join('\n    ')}`);
  }
}

const stamp = Date.now().toString(36);
const owner = { name: 'Ana Dona', accountName: 'Pizzaria Bella', email: `ana.${stamp}@example.com`, password: 'senha-forte-1' };
const agent2 = { name: 'Bruno Atendente', email: `bruno.${stamp}@example.com`, password: 'senha-forte-2', role: 'agent' };
const stranger = { name: 'Outro Dono', accountName: 'Loja Alheia', email: `outro.${stamp}@example.com`, password: 'senha-forte-3' };
const customer = { phone: '5511987654321', name: 'Maria Cliente' };
const instanceName = `loja-${stamp}`;

let motor;
let browser;
try {
  motor = await startMotor();
  console.log(`e2e against ${useMock ? 'the mock Motor' : 'the Motor'} at ${motor.url}`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const newPage = async (viewport = { width: 1360, height: 860 }) => {
    const ctx = await browser.newContext({ baseURL: motor.url, viewport, locale: 'pt-BR' });
    ctx.setDefaultTimeout(TIMEOUT);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.log(`    [page error] ${e.message}`));
    return page;
  };
  /** POST from inside the page (same origin, the page's session cookie). */
  const apiCall = (page, method, url, body) =>
    page.evaluate(
      async ([m, u, b]) => {
        const r = await fetch(u, { method: m, headers: { 'content-type': 'application/json' }, body: b ? JSON.stringify(b) : undefined });
        const text = await r.text();
        return { status: r.status, json: text ? JSON.parse(text) : null };
      },
      [method, url, body],
    );
  const expectNoReload = async (page) => {
    if ((await page.evaluate(() => window.__e2eMarker)) !== 1) throw new Error('the page reloaded');
  };

  const a = await newPage();
  let conversationId = '';

  await step('sign up creates the account and lands on the overview', async () => {
    await a.goto('/signup');
    await a.getByLabel('Seu nome').fill(owner.name);
    await a.getByLabel('Nome da empresa').fill(owner.accountName);
    await a.getByLabel('E-mail').fill(owner.email);
    await a.getByLabel('Senha').fill(owner.password);
    await a.getByRole('button', { name: 'Criar conta' }).click();
    await a.waitForURL((u) => u.pathname === '/');
    await a.getByRole('heading', { name: /Olá, Ana/ }).waitFor();
    await a.locator('[data-testid=live-state][data-state=online]:visible').first().waitFor();
  });

  await step('connect a number: the QR code shows at once', async () => {
    await a.getByRole('link', { name: 'Configurações' }).first().click();
    await a.waitForURL('**/settings/whatsapp');
    await a.evaluate(() => (window.__e2eMarker = 1));
    await a.getByLabel('Nome interno (opcional)').fill(instanceName);
    await a.getByRole('button', { name: 'Conectar número' }).click();
    const card = a.locator(`[data-testid=instance-card][data-instance="${instanceName}"]`);
    await card.locator('[data-testid=qr] img').waitFor();
    const src = await card.locator('[data-testid=qr] img').getAttribute('src');
    if (!src?.startsWith('data:image/')) throw new Error(`QR is not a data URL: ${src?.slice(0, 40)}`);
    await a.screenshot({ path: path.join(out, 'qr.png') });
  });

  await step('scan through the simulator: "connected" shows without a reload', async () => {
    await a.getByTestId('sandbox').getByRole('button', { name: 'Simular leitura do QR' }).click();
    await a.locator(`[data-testid=instance-card][data-instance="${instanceName}"][data-status=connected]`).waitFor();
    await a.locator('[data-testid=number-status][data-status=connected]:visible').first().waitFor();
    await expectNoReload(a);
    await a.screenshot({ path: path.join(out, 'connected.png') });
  });

  await step('a customer message appears live in the list', async () => {
    await a.getByRole('link', { name: 'Conversas' }).first().click();
    await a.waitForURL('**/conversations');
    await a.getByRole('tab', { name: 'Abertas' }).waitFor();
    const r = await apiCall(a, 'POST', '/api/sandbox/messages', { instanceName, ...customer, text: 'Oi! Vocês entregam hoje?' });
    if (r.status >= 300) throw new Error(`sandbox message: ${r.status} ${JSON.stringify(r.json)}`);
    const row = a.locator('a[data-conversation-id]', { hasText: customer.name });
    await row.waitFor();
    await row.getByText('Oi! Vocês entregam hoje?').waitFor();
    conversationId = (await row.getAttribute('data-conversation-id')) ?? '';
    await a.waitForFunction(() => document.title.startsWith('(1)'));
    await expectNoReload(a);
  });

  await step('the thread shows new customer messages live', async () => {
    await a.locator(`a[data-conversation-id="${conversationId}"]`).click();
    await a.waitForURL(`**/conversations/${conversationId}`);
    await a.getByRole('log').getByText('Oi! Vocês entregam hoje?').waitFor();
    await apiCall(a, 'POST', '/api/sandbox/messages', { instanceName, ...customer, text: 'Queria uma pizza grande de calabresa.' });
    await a.getByRole('log').getByText('Queria uma pizza grande de calabresa.').waitFor();
    await a.waitForFunction(() => !document.title.startsWith('('));
  });

  await step('the agent replies and the ticks advance to read', async () => {
    const box = a.getByLabel('Mensagem', { exact: true });
    await box.fill('Entregamos sim! Chega em 40 minutos.');
    await box.press('Enter');
    const bubble = a.locator('[data-message-id]', { hasText: 'Entregamos sim! Chega em 40 minutos.' });
    await bubble.waitFor();
    if ((await bubble.count()) !== 1) throw new Error('the reply shows twice');
    await a.locator('[data-message-id][data-status=read]', { hasText: 'Entregamos sim!' }).waitFor({ timeout: Math.max(TIMEOUT, 30000) });
    if ((await bubble.count()) !== 1) throw new Error('the reply shows twice');
    await a.screenshot({ path: path.join(out, 'inbox.png') });
  });

  const b = await newPage({ width: 390, height: 800 });
  await step('a second agent of the account sees the reply live', async () => {
    const r = await apiCall(a, 'POST', '/api/users', agent2);
    if (r.status >= 300) throw new Error(`invite: ${r.status} ${JSON.stringify(r.json)}`);
    await b.goto('/login');
    await b.getByLabel('E-mail').fill(agent2.email);
    await b.getByLabel('Senha').fill(agent2.password);
    await b.getByRole('button', { name: 'Entrar' }).click();
    await b.waitForURL((u) => u.pathname === '/');
    await b.goto(`/conversations/${conversationId}`);
    await b.getByRole('log').getByText('Entregamos sim! Chega em 40 minutos.').waitFor();
    await b.locator('[data-testid=live-state][data-state=online]:visible').first().waitFor();
    const box = a.getByLabel('Mensagem', { exact: true });
    await box.fill('Qual o endereço de entrega?');
    await box.press('Enter');
    await b.getByRole('log').getByText('Qual o endereço de entrega?').waitFor();
    await b.screenshot({ path: path.join(out, 'inbox-phone.png') });
  });

  await step('logging out closes the session', async () => {
    await b.getByRole('link', { name: 'Voltar para a lista' }).click();
    await b.waitForURL('**/conversations');
    await b.locator('button[aria-label="Menu do usuário"]:visible').click();
    await b.getByRole('menuitem', { name: 'Sair' }).click();
    await b.waitForURL('**/login');
    await b.goto('/conversations');
    await b.waitForURL('**/login');
  });

  const c = await newPage();
  await step('an agent of another account sees nothing', async () => {
    await c.goto('/signup');
    await c.getByLabel('Seu nome').fill(stranger.name);
    await c.getByLabel('Nome da empresa').fill(stranger.accountName);
    await c.getByLabel('E-mail').fill(stranger.email);
    await c.getByLabel('Senha').fill(stranger.password);
    await c.getByRole('button', { name: 'Criar conta' }).click();
    await c.waitForURL((u) => u.pathname === '/');
    await c.getByRole('link', { name: 'Conversas' }).first().click();
    await c.locator('[data-testid=live-state][data-state=online]:visible').first().waitFor();
    await c.getByText('Nenhuma conversa aqui.').waitFor();
    await apiCall(a, 'POST', '/api/sandbox/messages', { instanceName, ...customer, text: 'Rua das Flores, 123' });
    await a.getByRole('log').getByText('Rua das Flores, 123').waitFor();
    await c.waitForTimeout(500);
    if ((await c.locator('a[data-conversation-id]').count()) !== 0) throw new Error('another account sees conversations');
    const r = await apiCall(c, 'GET', `/api/conversations/${conversationId}`);
    if (r.status !== 404) throw new Error(`another account's conversation answered ${r.status}`);
    const t = await apiCall(c, 'GET', '/api/events?after=0');
    const leaked = JSON.stringify(t.json ?? {}).includes(conversationId);
    if (leaked) throw new Error('another account sees the events');
  });
} catch (err) {
  console.log(`setup failed: ${err?.stack ?? err}`);
  results.push({ name: 'setup', ok: false });
} finally {
  await browser?.close().catch(() => {});
  if (broken && motor?.logs) console.log(`--- Motor log tail ---\n${motor.logs().slice(-2500)}`);
  await motor?.stop().catch(() => {});
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
