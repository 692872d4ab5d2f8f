// Team tools as agents meet them: labels and the inbox filters (Minhas / Sem responsável / Todas,
// label, number; kept in the URL), a new conversation with a typed number (and one that is not on
// WhatsApp), a group thread with each member's name, the thread's contact panel (desktop and a
// 390×844 phone), the Contatos page, and the contact picker of a campaign.

/** @param {import('../run.mjs').T} t */
export default async function teamContacts(t) {
  const { newPage, apiCall, signup, connectNumber, sandboxMessage, shot, TIMEOUT } = t;
  const stamp = Date.now().toString(36);
  const instanceName = `team-${stamp}`;
  const owner = {
    name: 'Rita Atendente',
    accountName: 'Ótica Visão',
    email: `rita.${stamp}@example.com`,
    password: 'senha-forte-1',
  };
  const customers = [
    { phone: '5511987650101', name: 'Ána Souza', text: 'Oi! Meus óculos ficaram prontos?' },
    { phone: '5511987650102', name: 'Bruno Lima', text: 'Vocês fazem exame de vista?' },
    { phone: '5521987650103', name: 'Carla Dias', text: 'Qual o horário de sábado?' },
    { phone: '5531987650104', name: 'Diego Rocha', text: 'Quero trocar a armação' },
  ];
  const rows = (page) => page.locator('a[data-conversation-id]');
  /** Opens the thread's contact panel (open by default on a wide screen, closed on a phone). */
  const openPanel = async (page) => {
    const toggle = page.getByTestId('panel-toggle');
    if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
    await page.getByTestId('contact-panel').waitFor();
  };
  const row = (page, name) => rows(page).filter({ hasText: name });

  const page = await newPage({ viewport: { width: 1360, height: 860 } });

  await t.step('set up: an account, a connected number, four customers who wrote', async () => {
    await signup(page, owner);
    await connectNumber(page, instanceName);
    for (const c of customers) await sandboxMessage(page, { instanceName, ...c });
    await page.goto('/conversations');
    await rows(page).nth(customers.length - 1).waitFor();
  });

  await t.step('labels: added in the contact panel, shown on the row, suggested again', async () => {
    await row(page, 'Ána Souza').click();
    await page.locator('.bubble', { hasText: 'Meus óculos ficaram prontos' }).waitFor();
    await openPanel(page);
    const panel = page.getByTestId('contact-panel');
    const input = panel.getByRole('combobox', { name: 'Etiquetas da conversa' });
    await input.fill('vip');
    await input.press('Enter');
    await input.fill('óculos prontos');
    await input.press('Enter');
    await row(page, 'Ána Souza').getByTestId('label-chips').getByText('óculos prontos').waitFor();
    await row(page, 'Ána Souza').getByTestId('label-chips').getByText('vip').waitFor();
    await row(page, 'Bruno Lima').click();
    await page.getByTestId('contact-panel').getByRole('heading', { name: 'Bruno Lima' }).waitFor();
    await page.getByTestId('contact-panel').getByRole('combobox', { name: 'Etiquetas da conversa' }).fill('exame');
    await page.getByTestId('contact-panel').getByRole('combobox', { name: 'Etiquetas da conversa' }).press('Enter');
    await row(page, 'Bruno Lima').getByTestId('label-chips').getByText('exame').waitFor();
    // Ána is mine (assigned in the thread header).
    await row(page, 'Ána Souza').click();
    await page.getByTestId('contact-panel').getByRole('heading', { name: 'Ána Souza' }).waitFor();
    await page.locator('select[aria-label="Responsável"]').selectOption({ label: `Eu (${owner.name})` });
    await page.waitForFunction(() => document.querySelector('a[data-conversation-id][aria-current] .assignee'));
  });

  await t.step('filters: Minhas, Sem responsável, a label; in the URL and after a reload', async () => {
    await page.getByTestId('filter-assignee-me').click();
    await page.waitForURL(/assignee=me/);
    await page.waitForFunction(() => document.querySelectorAll('a[data-conversation-id]').length === 1);
    await row(page, 'Ána Souza').waitFor();
    await page.getByTestId('filter-assignee-none').click();
    await page.waitForURL(/assignee=none/);
    await page.waitForFunction(() => document.querySelectorAll('a[data-conversation-id]').length === 3);
    await page.getByTestId('filter-assignee-all').click();
    await page.waitForURL((u) => !u.search.includes('assignee'));
    await page.getByTestId('filter-label').selectOption('vip');
    await page.waitForURL(/label=vip/);
    await page.waitForFunction(() => document.querySelectorAll('a[data-conversation-id]').length === 1);
    await page.reload();
    await row(page, 'Ána Souza').waitFor({ timeout: TIMEOUT });
    if ((await rows(page).count()) !== 1) throw new Error('the label filter did not survive a reload');
    if ((await page.getByTestId('filter-label').inputValue()) !== 'vip') throw new Error('label select lost');
    // A label filter in another tab: nothing pending carries it.
    await page.getByRole('tab', { name: 'Pendentes' }).click();
    await page.waitForURL(/status=pending.*label=vip|label=vip.*status=pending/);
    await page.getByText('Nenhuma conversa com esses filtros.').waitFor();
    await page.getByRole('tab', { name: 'Abertas' }).click();
    await page.getByTestId('filter-label').selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('a[data-conversation-id]').length === 4);
    await row(page, 'Ána Souza').click();
    await page.getByTestId('contact-panel').waitFor();
    await shot(page, 'team-labels');
  });

  await t.step('a new conversation: typed without the 9th digit, first message sent; not on WhatsApp refused', async () => {
    await page.getByTestId('new-conversation').click();
    const dialog = page.getByRole('dialog', { name: 'Nova conversa' });
    await dialog.getByLabel('Número do cliente').fill('(21) 8765-4321');
    await dialog.getByTestId('nc-phone-hint').getByText('Vamos usar +55 21 98765-4321').waitFor();
    await dialog.getByLabel('Primeira mensagem (opcional)').fill('Olá! Seus óculos estão prontos para retirar.');
    await dialog.getByRole('button', { name: 'Abrir conversa' }).click();
    await page.waitForURL(/\/conversations\/[0-9a-f-]{36}/);
    await page.locator('.bubble', { hasText: 'Seus óculos estão prontos' }).waitFor();
    await page.locator('[data-status="sent"], [data-status="delivered"], [data-status="read"]').last().waitFor({ timeout: TIMEOUT });
    await page.getByTestId('new-conversation').click();
    await dialog.getByLabel('Número do cliente').fill('11 91234-0000');
    await dialog.getByRole('button', { name: 'Abrir conversa' }).click();
    await dialog.getByTestId('nc-error').getByText('não tem WhatsApp').waitFor();
    await dialog.getByLabel('Número do cliente').fill('(10) 98765-4321');
    await dialog.getByTestId('nc-phone-hint').getByText('DDD inexistente').waitFor();
    await dialog.getByRole('button', { name: 'Cancelar' }).click();
  });

  await t.step('a group thread: each member named on the bubbles; the panel shows the group', async () => {
    const say = async (phone, name, text) => {
      const r = await apiCall(page, 'POST', '/api/sandbox/group-messages', { instanceName, subject: 'Clientes VIP', phone, name, text });
      if (r.status >= 300) throw new Error(`group message: ${r.status} ${JSON.stringify(r.json)}`);
    };
    // The first one through the sandbox panel (Configurações → WhatsApp), as a tester would.
    await page.goto('/settings/whatsapp');
    const sandbox = page.getByTestId('sandbox');
    await sandbox.getByLabel('Grupo (opcional)').fill('Clientes VIP');
    await sandbox.getByLabel('Telefone do cliente').fill('5511999990003');
    await sandbox.getByLabel('Nome do cliente').fill('Carlos Teste');
    await sandbox.getByLabel('Mensagem').fill('Bom dia, pessoal! A promoção de lentes vale até quando?');
    await sandbox.getByRole('button', { name: 'Enviar como cliente' }).click();
    await page.getByText('Mensagem do cliente enviada.').waitFor();
    await page.goto('/conversations');
    await row(page, 'Clientes VIP').waitFor();
    await say('5511999990004', 'Duda Martins', 'Também quero saber 😊');
    await say('5511999990003', 'Carlos Teste', 'E serve para lentes multifocais?');
    await row(page, 'Clientes VIP').click();
    await page.locator('.bubble .label', { hasText: 'Carlos Teste' }).first().waitFor();
    await page.locator('.bubble .label', { hasText: 'Duda Martins' }).waitFor();
    const groups = await apiCall(page, 'GET', '/api/groups');
    const vip = groups.json.find((g) => g.subject === 'Clientes VIP');
    if (!vip?.conversationId || vip.size !== 3) throw new Error(`groups: ${JSON.stringify(groups.json)}`);
    await page.locator('textarea').last().fill('Bom dia! Vale até sexta e serve sim para multifocais.');
    await page.keyboard.press('Enter');
    await page
      .locator('[data-status="sent"], [data-status="delivered"], [data-status="read"]', { hasText: 'Vale até sexta' })
      .waitFor({ timeout: TIMEOUT });
    await page.getByTestId('contact-panel').getByText('3 participantes').waitFor();
    await shot(page, 'team-group-thread');
  });

  await t.step('the contact panel: phone, labels, other conversations (desktop, then a 390×844 phone)', async () => {
    // Ána also writes to a second number: the panel lists that conversation.
    const second = `team2-${stamp}`;
    await connectNumber(page, second);
    await sandboxMessage(page, { instanceName: second, phone: customers[0].phone, name: 'Ána Souza', text: 'Oi, é a Ána de novo' });
    await page.goto('/conversations');
    await row(page, 'Ána Souza').nth(1).waitFor();
    const labelled = row(page, 'Ána Souza').filter({ has: page.getByTestId('label-chips') });
    const href = await labelled.getAttribute('href');
    await labelled.click();
    await page.waitForURL(`**${href}`);
    const panel = page.getByTestId('contact-panel');
    await panel.getByTestId('panel-phone').getByText('+55 11 98765-0101').waitFor();
    await panel.getByTestId('panel-other').first().waitFor();
    await panel.getByText('vip').first().waitFor();
    await shot(page, 'team-contact-panel');

    const phone = await newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto('/login');
    await phone.getByLabel('E-mail').fill(owner.email);
    await phone.getByLabel('Senha').fill(owner.password);
    await phone.getByRole('button', { name: 'Entrar' }).click();
    await phone.waitForURL((u) => u.pathname === '/');
    await phone.goto('/conversations');
    await row(phone, 'Ána Souza').first().click();
    await openPanel(phone);
    const sheet = phone.getByTestId('contact-panel');
    await sheet.getByTestId('panel-phone').waitFor();
    const box = await sheet.boundingBox();
    if (!box || box.width < 380) throw new Error(`panel on a phone: ${JSON.stringify(box)}`);
    await shot(phone, 'team-contact-panel-phone');
    await sheet.getByRole('button', { name: 'Fechar' }).click();
    await phone.locator('textarea').last().waitFor();
    await phone.context().close();
  });

  await t.step('Contatos: accent-insensitive search, rename, labels, opt-out cleared by an agent', async () => {
    await sandboxMessage(page, { instanceName, phone: customers[3].phone, name: customers[3].name, text: 'Descadastrar' });
    await page.getByRole('link', { name: 'Contatos' }).first().click();
    await page.waitForURL('**/contacts');
    await page.getByTestId('contact-row').nth(3).waitFor();
    await page.getByLabel('Buscar por nome ou número').fill('ana souza');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=contact-row]')];
      return rows.length === 1 && rows[0].textContent.includes('Ána Souza');
    });
    await page.getByTestId('contact-row').first().click();
    await page.waitForURL(/\/contacts\?id=/);
    await page.getByTestId('contact-conversation').nth(1).waitFor();
    await page.getByLabel('Nome', { exact: true }).fill('Ána Souza Prado');
    await page.getByRole('button', { name: 'Salvar' }).click();
    await page.getByTestId('contact-name').getByText('Ána Souza Prado').waitFor();
    const labels = page.getByRole('combobox', { name: 'Etiquetas', exact: true });
    await labels.fill('cliente fiel');
    await labels.press('Enter');
    await page.getByTestId('contact-row').first().getByText('cliente fiel').waitFor();
    await page.getByLabel('Buscar por nome ou número').fill('');
    await page.getByTestId('contacts-opted-out').click();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=contact-row]')];
      return rows.length === 1 && rows[0].textContent.includes('Diego Rocha');
    });
    await page.getByTestId('contact-row').first().click();
    await page.getByTestId('clear-opt-out').waitFor();
    await shot(page, 'team-contacts-page-optout');
    await page.getByTestId('clear-opt-out').click();
    await page.getByRole('button', { name: 'Descadastrar', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Todos', exact: true }).click();
    await page.getByLabel('Buscar por nome ou número').fill('ana');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=contact-row]')];
      return rows.length === 1 && rows[0].textContent.includes('Ána Souza Prado');
    });
    await page.getByTestId('contact-row').first().click();
    await page.getByTestId('contact-name').getByText('Ána Souza Prado').waitFor();
    await page.getByLabel('Buscar por nome ou número').fill('');
    await page.getByTestId('contact-row').nth(4).waitFor();
    for (const close of await page.locator('.toast .icon-btn').all()) await close.click();
    await page.locator('.toast').first().waitFor({ state: 'detached' });
    await shot(page, 'team-contacts-page');
  });

  await t.step('a campaign to picked contacts: search, checkboxes, the count', async () => {
    await page.goto('/campaigns/new');
    await page.getByText('Escolher contatos').click();
    const picker = page.getByTestId('contact-picker');
    await picker.getByText('Bruno Lima').waitFor();
    await picker.getByLabel('Buscar contatos').fill('carla');
    await picker.locator('label', { hasText: 'Carla Dias' }).getByRole('checkbox').check();
    await picker.getByLabel('Buscar contatos').fill('bruno');
    await picker.locator('label', { hasText: 'Bruno Lima' }).getByRole('checkbox').check();
    await picker.getByTestId('picker-count').getByText('2 selecionados').waitFor();
    await page.getByTestId('audience-count').getByText('2 destinatários').waitFor({ timeout: TIMEOUT });
    await page.getByLabel('Nome', { exact: true }).fill('Lentes em promoção');
    await page.getByLabel('Mensagem').fill('Oi {{name}}, lentes com 20% de desconto até sexta!');
    await shot(page, 'team-campaign-picker');
    await page.getByTestId('campaign-save-start').click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop();
    const c = await apiCall(page, 'GET', `/api/campaigns/${id}`);
    if (c.json?.audience?.type !== 'contacts' || c.json.audience.contactIds?.length !== 2)
      throw new Error(`campaign audience: ${JSON.stringify(c.json?.audience)}`);
  });
}
