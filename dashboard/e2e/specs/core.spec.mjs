// The live core, as a new owner meets it: sign up, connect a number through the simulator, a
// customer writes, the agent replies, a second agent sees it live, logout, another account sees nothing.
import path from 'node:path';

/** @param {import('../run.mjs').T} t */
export default async function core(t) {
  const { newPage, apiCall, signup, TIMEOUT } = t;
  const expectNoReload = async (page) => {
    if ((await page.evaluate(() => window.__e2eMarker)) !== 1) throw new Error('the page reloaded');
  };
  const stamp = Date.now().toString(36);
  const owner = {
    name: 'Ana Dona',
    accountName: 'Pizzaria Bella',
    email: `ana.${stamp}@example.com`,
    password: 'senha-forte-1',
  };
  const agent2 = {
    name: 'Bruno Atendente',
    email: `bruno.${stamp}@example.com`,
    password: 'senha-forte-2',
    role: 'agent',
  };
  const stranger = {
    name: 'Outro Dono',
    accountName: 'Loja Alheia',
    email: `outro.${stamp}@example.com`,
    password: 'senha-forte-3',
  };
  const customer = { phone: '5511987654321', name: 'Maria Cliente' };
  const instanceName = `loja-${stamp}`;

  const a = await newPage();
  let conversationId = '';

  await t.step('sign up creates the account and lands on the overview', async () => {
    await signup(a, owner); // the sign-up form, landing on the overview
    await a.getByRole('heading', { name: /Olá, Ana/ }).waitFor();
    await a.locator('[data-testid=live-state][data-state=online]:visible').first().waitFor();
  });

  await t.step('connect a number: the QR code shows at once', async () => {
    await a.getByRole('link', { name: 'Configurações' }).first().click();
    await a.waitForURL('**/settings/whatsapp');
    await a.evaluate(() => (window.__e2eMarker = 1));
    await a.getByLabel('Nome interno (opcional)').fill(instanceName);
    await a.getByRole('button', { name: 'Conectar número' }).click();
    const card = a.locator(`[data-testid=instance-card][data-instance="${instanceName}"]`);
    await card.locator('[data-testid=qr] img').waitFor();
    const src = await card.locator('[data-testid=qr] img').getAttribute('src');
    if (!src?.startsWith('data:image/')) throw new Error(`QR is not a data URL: ${src?.slice(0, 40)}`);
    await a.screenshot({ path: path.join(t.out, 'qr.png') });
  });

  await t.step('scan through the simulator: "connected" shows without a reload', async () => {
    await a.getByTestId('sandbox').getByRole('button', { name: 'Simular leitura do QR' }).click();
    await a
      .locator(`[data-testid=instance-card][data-instance="${instanceName}"][data-status=connected]`)
      .waitFor();
    await a.locator('[data-testid=number-status][data-status=connected]:visible').first().waitFor();
    await expectNoReload(a);
    await a.screenshot({ path: path.join(t.out, 'connected.png') });
  });

  await t.step('a customer message appears live in the list', async () => {
    await a.getByRole('link', { name: 'Conversas' }).first().click();
    await a.waitForURL('**/conversations');
    await a.getByRole('tab', { name: 'Abertas' }).waitFor();
    const r = await apiCall(a, 'POST', '/api/sandbox/messages', {
      instanceName,
      ...customer,
      text: 'Oi! Vocês entregam hoje?',
    });
    if (r.status >= 300) throw new Error(`sandbox message: ${r.status} ${JSON.stringify(r.json)}`);
    const row = a.locator('a[data-conversation-id]', { hasText: customer.name });
    await row.waitFor();
    await row.getByText('Oi! Vocês entregam hoje?').waitFor();
    conversationId = (await row.getAttribute('data-conversation-id')) ?? '';
    await a.waitForFunction(() => document.title.startsWith('(1)'));
    await expectNoReload(a);
  });

  await t.step('the thread shows new customer messages live', async () => {
    await a.locator(`a[data-conversation-id="${conversationId}"]`).click();
    await a.waitForURL(`**/conversations/${conversationId}`);
    await a.getByRole('log').getByText('Oi! Vocês entregam hoje?').waitFor();
    await apiCall(a, 'POST', '/api/sandbox/messages', {
      instanceName,
      ...customer,
      text: 'Queria uma pizza grande de calabresa.',
    });
    await a.getByRole('log').getByText('Queria uma pizza grande de calabresa.').waitFor();
    await a.waitForFunction(() => !document.title.startsWith('('));
  });

  await t.step('the agent replies and the ticks advance to read', async () => {
    const box = a.getByLabel('Mensagem', { exact: true });
    await box.fill('Entregamos sim! Chega em 40 minutos.');
    await box.press('Enter');
    const bubble = a.locator('[data-message-id]', { hasText: 'Entregamos sim! Chega em 40 minutos.' });
    await bubble.waitFor();
    if ((await bubble.count()) !== 1) throw new Error('the reply shows twice');
    await a
      .locator('[data-message-id][data-status=read]', { hasText: 'Entregamos sim!' })
      .waitFor({ timeout: Math.max(TIMEOUT, 30000) });
    if ((await bubble.count()) !== 1) throw new Error('the reply shows twice');
    await a.screenshot({ path: path.join(t.out, 'inbox.png') });
  });

  const b = await newPage({ viewport: { width: 390, height: 800 } });
  await t.step('a second agent of the account sees the reply live', async () => {
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
    await b.screenshot({ path: path.join(t.out, 'inbox-phone.png') });
  });

  await t.step('logging out closes the session', async () => {
    await b.getByRole('link', { name: 'Voltar para a lista' }).click();
    await b.waitForURL('**/conversations');
    await b.locator('button[aria-label="Menu do usuário"]:visible').click();
    await b.getByRole('menuitem', { name: 'Sair' }).click();
    await b.waitForURL('**/login');
    await b.goto('/conversations');
    await b.waitForURL('**/login');
  });

  const c = await newPage();
  await t.step('an agent of another account sees nothing', async () => {
    await signup(c, stranger); // the sign-up form, landing on the overview
    await c.getByRole('link', { name: 'Conversas' }).first().click();
    await c.locator('[data-testid=live-state][data-state=online]:visible').first().waitFor();
    await c.getByText('Nenhuma conversa aqui.').waitFor();
    await apiCall(a, 'POST', '/api/sandbox/messages', {
      instanceName,
      ...customer,
      text: 'Rua das Flores, 123',
    });
    await a.getByRole('log').getByText('Rua das Flores, 123').waitFor();
    await c.waitForTimeout(500);
    if ((await c.locator('a[data-conversation-id]').count()) !== 0)
      throw new Error('another account sees conversations');
    const r = await apiCall(c, 'GET', `/api/conversations/${conversationId}`);
    if (r.status !== 404) throw new Error(`another account's conversation answered ${r.status}`);
    const t = await apiCall(c, 'GET', '/api/events?after=0');
    const leaked = JSON.stringify(t.json ?? {}).includes(conversationId);
    if (leaked) throw new Error('another account sees the events');
  });
}
