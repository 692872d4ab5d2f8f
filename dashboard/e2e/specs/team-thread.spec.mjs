// Issue 16, the thread tools in Chromium: a private note, `/atalho` quick replies, a quoted reply,
// reactions both ways, the customer typing ("digitando…"), and a browser notification (permission
// granted in the Playwright context; the polite offer is checked in a context without it).

/** @param {import('../run.mjs').T} t */
export default async function teamThread(t) {
  const { newPage, apiCall, signup, connectNumber, sandboxMessage, shot, waitFor } = t;
  const stamp = Date.now().toString(36);
  const owner = {
    name: 'Tereza Time',
    accountName: 'Doceria Flor',
    email: `tereza.${stamp}@example.com`,
    password: 'senha-forte-9',
  };
  const instanceName = `team-${stamp}`;
  const maria = { phone: '5511976540001', name: 'Maria Souza' };
  let conversationId = '';

  const messages = async (page) => (await apiCall(page, 'GET', `/api/conversations/${conversationId}/messages`)).json;
  /** The bubble whose own text (not a quote inside it) has `text`. */
  const bubble = (page, text) =>
    page.locator('[data-message-id]').filter({ has: page.locator('p.text', { hasText: text }) }).last();

  // Notifications granted up front; the page records what it shows.
  const ctx = await t.browser.newContext({
    baseURL: t.motor.url,
    viewport: { width: 1360, height: 860 },
    locale: 'pt-BR',
    permissions: ['notifications'],
  });
  ctx.setDefaultTimeout(t.TIMEOUT);
  await ctx.addInitScript(() => {
    const Real = window.Notification;
    if (!Real) return;
    /** @type {Array<{title: string, body?: string}>} */
    const shown = [];
    Object.defineProperty(window, '__notifications', { value: shown });
    class Recorded extends Real {
      constructor(title, opts) {
        super(title, opts);
        shown.push({ title, body: opts?.body });
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    Recorded.requestPermission = (...a) => Real.requestPermission(...a);
    window.Notification = Recorded;
  });
  const a = await ctx.newPage();
  a.on('pageerror', (e) => console.log(`    [page error] ${e.message}`));

  await t.step('setup: an owner, a connected number, a customer who writes', async () => {
    await signup(a, owner);
    await connectNumber(a, instanceName);
    await sandboxMessage(a, { instanceName, ...maria, text: 'Oi! Vocês fazem bolo de aniversário para sábado?' });
    const list = await waitFor(a, 'the conversation', async () => {
      const r = await apiCall(a, 'GET', `/api/conversations?q=${maria.phone}`);
      return r.json?.[0];
    });
    conversationId = list.id;
  });

  await t.step('a private note: yellow, marked, never sent to the customer', async () => {
    await a.goto(`/conversations/${conversationId}`);
    await bubble(a, 'bolo de aniversário').waitFor();
    await a.getByTestId('composer-note-mode').click();
    const box = a.locator('#composer');
    if ((await a.locator('form.composer').getAttribute('data-mode')) !== 'note') throw new Error('not in note mode');
    await box.fill('Cliente de sábado passado: prefere cobertura sem lactose.');
    await box.press('Enter');
    const note = a.locator('[data-private="true"]').filter({ hasText: 'sem lactose' });
    await note.waitFor();
    if (!(await note.getByText('Nota interna').isVisible())) throw new Error('the note is not labelled');
    const stored = (await messages(a)).find((m) => m.text?.includes('sem lactose'));
    if (!stored?.private || stored.waMessageId !== null) throw new Error(`note stored as ${JSON.stringify(stored)}`);
    // The contact panel counts it at once.
    await a.getByTestId('contact-panel').getByTestId('panel-notes').getByText('1 nota interna').waitFor();
    // Back to replies for what follows.
    await a.getByRole('radio', { name: 'Responder' }).click();
  });

  await t.step('/atalho: quick replies made in Configurações → Atendimento, picked with the keyboard', async () => {
    await a.goto('/settings/inbox');
    const form = a.getByTestId('quick-reply-form');
    const add = async (shortcut, text) => {
      await form.getByLabel('Atalho').fill(shortcut);
      await form.getByLabel('Texto').fill(text);
      await form.getByRole('button', { name: 'Adicionar' }).click();
      await a.getByTestId('quick-reply-row').filter({ hasText: `/${shortcut}` }).waitFor();
    };
    await add('bolo', 'Olá {{name}}! Fazemos sim: bolos a partir de R$ 89, com 48 h de antecedência.');
    await add('pix', 'Nossa chave Pix é o CNPJ 12.345.678/0001-90 (Doceria Flor).');
    await add('horario', 'Abrimos de terça a sábado, das 9h às 19h.');
    // A taken shortcut is said on the field.
    await form.getByLabel('Atalho').fill('pix');
    await form.getByLabel('Texto').fill('outra');
    await form.getByRole('button', { name: 'Adicionar' }).click();
    await form.getByText('O atalho /pix já existe.').waitFor();
    await form.getByLabel('Atalho').fill('');
    await form.getByLabel('Texto').fill('');
    // Editing the field clears its error; the toasts go away by themselves.
    if (await form.getByText('O atalho /pix já existe.').isVisible()) throw new Error('the error stayed after editing');
    await a.locator('.toast').first().waitFor({ state: 'detached', timeout: 9000 }).catch(() => {});
    await a.getByRole('heading', { name: 'Atendimento', level: 1 }).click();
    await a.mouse.move(5, 5);
    await shot(a, 'team-quick-replies');

    await a.goto(`/conversations/${conversationId}`);
    const box = a.locator('#composer');
    await box.click();
    await box.pressSequentially('/bo');
    const picker = a.getByTestId('quick-reply-picker');
    await picker.waitFor();
    const first = await picker.getByRole('option').first().textContent();
    if (!first?.includes('/bolo')) throw new Error(`picker shows ${first}`);
    await box.press('Enter');
    const text = await box.inputValue();
    if (!text.startsWith('Olá Maria Souza! Fazemos sim')) throw new Error(`inserted "${text}"`);
    if (await picker.isVisible()) throw new Error('the picker stayed open');
    await box.press('Enter');
    await bubble(a, 'Fazemos sim').waitFor();
  });

  await t.step('a quoted reply from the bubble menu reaches Evolution with `quoted`', async () => {
    const original = bubble(a, 'bolo de aniversário');
    await original.hover();
    await original.getByTestId('message-menu').click();
    await a.getByRole('menuitem', { name: 'Responder' }).click();
    await a.getByTestId('composer-quoting').getByText('bolo de aniversário').waitFor();
    const box = a.locator('#composer');
    await box.fill('Para sábado temos horário até as 15h. Qual sabor?');
    await box.press('Enter');
    const reply = bubble(a, 'Qual sabor?');
    await reply.getByTestId('quote').getByText('bolo de aniversário').waitFor();
    const stored = await waitFor(a, 'the quoted reply sent', async () =>
      (await messages(a)).find((m) => m.text?.includes('Qual sabor?') && m.status !== 'pending'),
    );
    if (stored.quoted?.text !== 'Oi! Vocês fazem bolo de aniversário para sábado?' || stored.status === 'failed')
      throw new Error(`reply stored as ${JSON.stringify(stored)}`);
  });

  await t.step('the customer types ("digitando…"), replies quoting us and reacts, from the sandbox', async () => {
    // The strip answers the business's last message that reached WhatsApp: wait until the page knows it did.
    const ours = bubble(a, 'Qual sabor?');
    await waitFor(a, 'our reply sent, on the page', async () =>
      ['sent', 'delivered', 'read'].includes((await ours.getAttribute('data-status')) ?? ''),
    );
    await a.getByTestId('sandbox-typing').click();
    await a.getByTestId('typing').getByText('Maria Souza está digitando…').waitFor();
    await a.getByTestId('sandbox-quote').click();
    const theirs = bubble(a, 'Pode ser assim, combinado!');
    await theirs.getByTestId('quote').getByText('Qual sabor?').waitFor().catch(async (e) => {
      const seen = await a.locator('[data-message-id]').allTextContents();
      throw new Error(`${e.message.split('\n')[0]}; the thread shows: ${JSON.stringify(seen)}`);
    });
    await a.getByTestId('sandbox-react').click();
    await bubble(a, 'Qual sabor?').getByTestId('reactions').getByText('👍').waitFor();
  });

  await t.step('a reaction from the bubble menu: shown at once, sent through sendReaction', async () => {
    const theirs = bubble(a, 'Pode ser assim, combinado!');
    await theirs.hover();
    await theirs.getByTestId('message-menu').click();
    await a.getByRole('menuitem', { name: 'Reagir com ❤️' }).click();
    await theirs.getByTestId('reactions').getByText('❤️').waitFor();
    await waitFor(a, 'the reaction sent', async () => {
      const list = await messages(a);
      const target = list.find((m) => m.text === 'Pode ser assim, combinado!');
      const row = list.find((m) => m.type === 'reaction' && m.quotedWaMessageId === target?.waMessageId && m.direction === 'out');
      return target?.ownReaction === '❤️' && row?.status === 'sent';
    });
    // Everything arrived while the agent was looking: nothing is unread, here or on the server.
    let seen = '';
    await waitFor(a, 'no unread count', async () => {
      const server = (await apiCall(a, 'GET', '/api/conversations/unread')).json;
      const badge = await a.getByTestId('nav-unread').count();
      const title = await a.title();
      seen = `server ${JSON.stringify(server)}, badge ${badge}, title ${title}`;
      return server.total === 0 && badge === 0 && title === 'Atende';
    }, 5000).catch((e) => {
      throw new Error(`${e.message}: ${seen}`);
    });
    // The screenshot: quotes both ways, reactions both ways, the bubble menu open.
    const last = bubble(a, 'Pode ser assim, combinado!');
    await last.hover();
    await last.getByTestId('message-menu').click();
    await a.getByTestId('message-menu-panel').waitFor();
    await a.waitForTimeout(200);
    await shot(a, 'team-quote-reaction');
    await a.keyboard.press('Escape');
    // The note screenshot: the thread with its note, and the composer in note mode.
    await a.getByTestId('composer-note-mode').click();
    await a.locator('#composer').fill('Confirmar o sabor com a cozinha até quinta.');
    await a.locator('[data-private="true"]').first().scrollIntoViewIfNeeded();
    await a.waitForTimeout(200);
    await shot(a, 'team-note');
    await a.locator('#composer').fill('');
    await a.getByRole('radio', { name: 'Responder' }).click();
  });

  await t.step('a new conversation notifies (permission granted), and the tab title counts it', async () => {
    await a.goto('/conversations');
    await a.locator('a[data-conversation-id]').first().waitFor();
    await sandboxMessage(a, { instanceName, phone: '5511976540002', name: 'João Pedro', text: 'Vocês entregam em Pinheiros?' });
    await waitFor(a, 'a browser notification', async () => {
      const shown = await a.evaluate(() => window.__notifications ?? []);
      return shown.some((n) => n.title === 'Nova conversa: João Pedro' && n.body === 'Vocês entregam em Pinheiros?');
    });
    await waitFor(a, 'the tab title count', async () => /^\(1\) Atende$/.test(await a.title()));
  });

  await t.step('without permission the inbox only offers it, politely, and "Agora não" is remembered', async () => {
    const b = await newPage();
    await b.goto('/login');
    await b.getByLabel('E-mail').fill(owner.email);
    await b.getByLabel('Senha').fill(owner.password);
    await b.getByRole('button', { name: 'Entrar' }).click();
    await b.waitForURL((u) => u.pathname === '/');
    await b.goto('/conversations');
    const offer = b.getByTestId('notifications-offer');
    await offer.waitFor();
    if ((await b.evaluate(() => Notification.permission)) !== 'default') throw new Error('permission was asked on load');
    await offer.getByRole('button', { name: 'Agora não' }).click();
    await offer.waitFor({ state: 'detached' });
    await b.reload();
    await b.locator('a[data-conversation-id]').first().waitFor();
    await b.waitForTimeout(300);
    if (await offer.isVisible()) throw new Error('the offer came back after "Agora não"');
    await b.context().close();
  });

  await ctx.close();
}
