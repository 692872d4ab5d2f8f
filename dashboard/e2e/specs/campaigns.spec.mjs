// Campaigns as an owner meets them: the create flow (pasted numbers with an invalid one shown,
// a live {{name}} preview, the estimated duration), start, the progress bar moving live from
// campaign.updated, pause, the per-recipient table and its CSV export. Desktop and 390×844,
// pt-BR and English screenshots.

/** @param {import('../run.mjs').T} t */
export default async function campaigns(t) {
  const { newPage, apiCall, signup, connectNumber, sandboxMessage, shot, TIMEOUT } = t;
  const stamp = Date.now().toString(36);
  const instanceName = `camp-${stamp}`;
  const owner = {
    name: 'Carla Dona',
    accountName: 'Doceria Carla',
    email: `carla.${stamp}@example.com`,
    password: 'senha-forte-1',
  };
  const customers = Array.from({ length: 12 }, (_, i) => ({
    phone: `5511988${String(100000 + i)}`,
    name: `Cliente ${i + 1}`,
  }));

  const page = await newPage({ viewport: { width: 1280, height: 860 } });
  let campaignId = '';

  await t.step('set up: an account, a connected number, customers who wrote', async () => {
    await signup(page, owner);
    await connectNumber(page, instanceName);
    for (const c of customers.slice(0, 3)) await sandboxMessage(page, { instanceName, ...c, text: 'Oi!' });
  });

  await t.step('the empty Campanhas page invites the first campaign', async () => {
    await page.getByRole('link', { name: 'Campanhas' }).first().click();
    await page.waitForURL('**/campaigns');
    await page.getByRole('heading', { name: 'Nenhuma campanha ainda' }).waitFor();
    await shot(page, 'campaigns-empty');
  });

  await t.step(
    'create: invalid numbers listed one by one, count, live {{name}} preview, duration',
    async () => {
      await page.getByTestId('campaign-new').click();
      await page.waitForURL('**/campaigns/new');
      await page.getByLabel('Nome', { exact: true }).fill('Bolo do dia');
      const pasted = [
        ...customers.map((c) => `(${c.phone.slice(2, 4)}) ${c.phone.slice(4, 9)}-${c.phone.slice(9)}`),
        '12 345',
        'abc',
      ];
      await page.getByLabel('Números', { exact: true }).fill(pasted.join('\n'));
      const invalid = page.getByTestId('invalid-phones');
      await invalid.waitFor();
      const text = await invalid.innerText();
      if (!/2 números inválidos/.test(text) || !text.includes('12 345') || !text.includes('abc'))
        throw new Error(`invalid list: ${text}`);
      await shot(page, 'campaign-create-invalid');
      // Remove the bad ones: the count comes from the Motor.
      await page.getByLabel('Números', { exact: true }).fill(pasted.slice(0, -2).join('\n'));
      await page.getByTestId('audience-count').getByText('12 destinatários').waitFor({ timeout: TIMEOUT });
      await page.getByLabel('Mensagem').fill('Oi {{name}}, saiu bolo de cenoura quentinho!');
      await page.getByTestId('text-preview').getByText('Oi Ana, saiu bolo de cenoura quentinho!').waitFor();
      await page.getByLabel('Ritmo (mensagens por minuto)').fill('120');
      await page
        .getByTestId('estimate')
        .getByText(/Duração estimada: menos de 1 min/)
        .waitFor({ timeout: TIMEOUT });
      await shot(page, 'campaign-create');
    },
  );

  await t.step('start: the bar moves live and the recipients fill in', async () => {
    await page.getByTestId('campaign-save-start').click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    campaignId = page.url().split('/').pop();
    await page
      .locator('[data-testid=campaign-status]', { hasText: 'Enviando' })
      .waitFor({ timeout: TIMEOUT });
    const bar = page.getByTestId('campaign-bar');
    const done = async () => Number(await bar.getAttribute('data-done'));
    const first = await done();
    await page.waitForFunction(
      ([n]) => Number(document.querySelector('[data-testid=campaign-bar]')?.getAttribute('data-done')) > n,
      [first],
      { timeout: TIMEOUT },
    );
    await page.locator('[data-testid=recipients] tbody tr').first().waitFor();
    await shot(page, 'campaign-running');
  });

  await t.step('pause: the status says so and sending stops', async () => {
    await page.getByTestId('campaign-pause').click();
    await page.locator('[data-testid=campaign-status]', { hasText: 'Pausada' }).waitFor({ timeout: TIMEOUT });
    const r = await apiCall(page, 'GET', `/api/campaigns/${campaignId}`);
    if (r.json.status !== 'paused') throw new Error(`status ${r.json.status}`);
    const sent = r.json.sent;
    await page.waitForTimeout(1500);
    const later = await apiCall(page, 'GET', `/api/campaigns/${campaignId}`);
    if (later.json.sent > sent + 1)
      throw new Error(`still sending while paused: ${sent} → ${later.json.sent}`);
    if (later.json.sent >= 12) throw new Error('the campaign finished before it could be paused');
    await page.getByTestId('campaign-resume').waitFor();
    await shot(page, 'campaign-paused');
  });

  await t.step('export CSV: one line per recipient, in phone order', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('campaign-export').click(),
    ]);
    const file = await download.path();
    const { readFile } = await import('node:fs/promises');
    const csv = (await readFile(file, 'utf8')).trim().split(/\r?\n/);
    if (csv[0] !== 'phone,name,status,error,sentAt,contactId,id') throw new Error(`csv header: ${csv[0]}`);
    if (csv.length !== 13) throw new Error(`csv has ${csv.length - 1} recipients, want 12`);
    const phones = csv.slice(1).map((l) => l.split(',')[0]);
    if (phones.join() !== [...phones].sort().join()) throw new Error('csv not in phone order');
    if (!csv.slice(1).some((l) => /,(sent|delivered|read),/.test(l)))
      throw new Error('no sent recipient in the csv');
  });

  await t.step('the list shows the live bar; English and 390×844 read well too', async () => {
    await page.getByRole('link', { name: 'Campanhas' }).first().click();
    await page.locator('[data-testid=campaign-row][data-status=paused]').waitFor();
    await shot(page, 'campaigns-list');
    await page.getByTestId('campaign-resume').first().click();
    await page
      .locator(
        '[data-testid=campaign-row][data-status=running], [data-testid=campaign-row][data-status=completed]',
      )
      .first()
      .waitFor({ timeout: TIMEOUT });

    const mobile = await newPage({ viewport: { width: 390, height: 844 }, locale: 'en' });
    await mobile.goto('/login');
    await mobile.getByLabel('E-mail').fill(owner.email);
    await mobile.getByLabel('Senha').fill(owner.password);
    await mobile.getByRole('button', { name: 'Entrar' }).click();
    await mobile.waitForURL((u) => u.pathname === '/');
    await mobile.evaluate(() => localStorage.setItem('atende.locale', 'en'));
    await mobile.goto('/campaigns');
    await mobile.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await mobile.locator('[data-testid=campaign-row]').first().waitFor();
    await shot(mobile, 'campaigns-list-mobile-en');
    await mobile.goto(`/campaigns/${campaignId}`);
    await mobile.getByRole('heading', { name: 'Recipients' }).waitFor();
    await mobile.locator('[data-testid=recipients] tbody tr').first().waitFor();
    await shot(mobile, 'campaign-detail-mobile-en');
    await mobile.goto('/campaigns/new');
    await mobile.getByLabel('Message', { exact: true }).fill('Hi {{name}}!');
    await mobile.getByTestId('text-preview').getByText('Hi Ana!').waitFor();
    await shot(mobile, 'campaign-create-mobile-en');
  });

  await t.step(
    'an opt-out word lists the contact as opted out; a teammate can allow campaigns again',
    async () => {
      await sandboxMessage(page, { instanceName, ...customers[0], text: 'Sair!' });
      await page.goto('/campaigns');
      const card = page.getByTestId('opted-out');
      await card.getByText('Cliente 1').waitFor({ timeout: TIMEOUT });
      await shot(page, 'campaigns-opted-out');
      page.once('dialog', (d) => void d.accept());
      await card.getByRole('button', { name: 'Liberar campanhas' }).click();
      await card.waitFor({ state: 'detached', timeout: TIMEOUT });
      const r = await apiCall(page, 'GET', '/api/contacts?optedOut=true');
      if (r.json.length !== 0) throw new Error(`still opted out: ${JSON.stringify(r.json)}`);
    },
  );
}
