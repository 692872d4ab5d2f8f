// The AI attendant as an owner meets it: Configurações → IA (settings, the honest banner, the test
// box), then a customer's question answered by the AI in the thread, marked as AI, with the real
// AI state in the header; pausing and re-enabling; English and the phone layout. The Motor of this
// spec talks to a local OpenAI-compatible server standing in for Groq (or GROQ_BASE_URL's).
import http from 'node:http';

const ANSWER = 'Temos sim! O Tênis de Corrida Leve sai por R$ 129,90. Qual o seu número?';

/** A tiny Groq stand-in: every chat completion answers ANSWER; requests are counted. */
async function fakeGroq() {
  const calls = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let body = null;
      try {
        body = JSON.parse(raw);
      } catch {
        /* not JSON */
      }
      calls.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${calls.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body?.model ?? 'fake',
          choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 812, completion_tokens: 24, total_tokens: 836 },
        }),
      );
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

let groq = null;
export async function motorEnv() {
  if (process.env.GROQ_BASE_URL)
    return {
      env: { GROQ_API_KEY: process.env.GROQ_API_KEY ?? 'gsk_e2e', GROQ_BASE_URL: process.env.GROQ_BASE_URL },
    };
  groq = await fakeGroq();
  return { env: { GROQ_API_KEY: 'gsk_e2e_fake', GROQ_BASE_URL: groq.url }, close: () => groq.close() };
}

/** @param {import('../run.mjs').T} t */
export default async function ai(t) {
  const { newPage, apiCall, shot } = t;
  const stamp = Date.now().toString(36);
  const owner = {
    name: 'Rita Dona',
    accountName: 'Passo Certo',
    email: `rita.${stamp}@example.com`,
    password: 'senha-forte-1',
  };
  const instanceName = `ai-${stamp}`;
  const customer = { phone: '5581988776655', name: 'Bruno Cliente' };
  const page = await newPage();

  await t.step('settings: defaults, save, and the test box shows products and the answer', async () => {
    await t.signup(page, owner);
    const p = await apiCall(page, 'POST', '/api/products', {
      name: 'Tênis de Corrida Leve',
      description: 'Amortecimento macio, 36 a 44',
      priceCents: 12990,
      sku: 'TN-42',
    });
    if (p.status !== 201) throw new Error(`product: ${p.status}`);
    await page.goto('/settings/ai');
    await page.getByRole('heading', { name: 'Atendente com IA' }).waitFor();
    if ((await page.getByTestId('ai-unavailable').count()) !== 0)
      throw new Error('banner shown although the Motor has a key');
    const keywords = page.getByLabel('Palavras que chamam um atendente');
    if ((await keywords.inputValue()) !== 'atendente, humano, pessoa, falar com alguém')
      throw new Error('default keywords');
    await page
      .getByLabel('Sobre o negócio')
      .fill('Loja de calçados esportivos em Recife. Entregamos em 2 dias úteis.');
    await page.getByLabel('Instruções').fill('Responda em até 3 frases e diga sempre o preço.');
    await page.getByRole('switch', { name: 'Responder clientes com IA' }).click();
    await page.getByTestId('ai-save').click();
    await page.getByText('Configurações da IA salvas.').waitFor();
    const saved = await apiCall(page, 'GET', '/api/settings/ai');
    if (!saved.json.enabled || !saved.json.businessDescription.startsWith('Loja de calçados'))
      throw new Error(JSON.stringify(saved.json));
    // Short delay for the test (the page's slider goes in steps of 0.5 s).
    await apiCall(page, 'PUT', '/api/settings/ai', { replyDelayMs: 500 });
    const test = page.getByTestId('ai-test');
    await test.getByRole('textbox').fill('vocês têm tenis de corrida?');
    await test.getByRole('button', { name: 'Perguntar' }).click();
    await test.getByTestId('ai-test-answer').getByText(ANSWER).waitFor();
    await test.getByTestId('ai-test-products').getByText('Tênis de Corrida Leve').waitFor();
    await shot(page, 'ai-settings');
  });

  await t.step('a customer question is answered by the AI in the thread, marked as AI', async () => {
    await t.connectNumber(page, instanceName);
    await t.sandboxMessage(page, { instanceName, ...customer, text: 'Oi! Vocês têm tênis de corrida?' });
    await page.goto('/conversations');
    const row = page.locator('a[data-conversation-id]', { hasText: customer.name });
    await row.waitFor();
    await row.click();
    const log = page.getByRole('log');
    await log.getByText('Oi! Vocês têm tênis de corrida?').waitFor();
    const bubble = page.locator('[data-message-id]', { hasText: ANSWER });
    await bubble.waitFor({ timeout: Math.max(t.TIMEOUT, 20000) });
    await bubble.getByText('IA', { exact: true }).waitFor();
    await page.getByTestId('ai-state').getByText('IA respondendo').waitFor();
    await page
      .locator('[data-message-id][data-status=read]', { hasText: 'Temos sim!' })
      .waitFor({ timeout: Math.max(t.TIMEOUT, 30000) });
    if ((await bubble.count()) !== 1) throw new Error('the AI answer shows twice');
    await shot(page, 'ai-thread');
  });

  await t.step('pausing and re-enabling the AI is one click; an agent reply pauses it', async () => {
    await page.getByTestId('ai-switch').click();
    await page.getByTestId('ai-state').getByText('IA pausada: atendente assumiu').waitFor();
    await page.getByRole('button', { name: 'Reativar IA' }).click();
    await page.getByTestId('ai-state').getByText('IA respondendo').waitFor();
    const box = page.getByLabel('Mensagem', { exact: true });
    await box.fill('Oi Bruno, aqui é a Rita!');
    await box.press('Enter');
    await page.getByTestId('ai-state').getByText('IA pausada: atendente assumiu').waitFor();
  });

  await t.step('a customer asking for a person hands off: pending, notice in the thread', async () => {
    await page.getByRole('button', { name: 'Reativar IA' }).click();
    await page.getByTestId('ai-state').getByText('IA respondendo').waitFor();
    await t.sandboxMessage(page, { instanceName, ...customer, text: 'Quero falar com um ATENDENTE' });
    await page
      .getByTestId('system-message')
      .getByText(/O cliente pediu um atendente/)
      .waitFor();
    await page.getByTestId('ai-state').getByText('Cliente pediu atendente').waitFor();
    await shot(page, 'ai-handoff');
  });

  await t.step('English, on a phone: the settings page and the thread', async () => {
    const phone = await newPage({ viewport: { width: 390, height: 844 } });
    await t.login(phone, owner);
    await phone.evaluate(() => localStorage.setItem('atende.locale', 'en'));
    await phone.goto('/settings/ai');
    await phone.getByRole('heading', { name: 'AI attendant' }).waitFor();
    await phone.getByLabel('Words that call a person').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new Error(`the page scrolls sideways by ${overflow}px at 390 px`);
    await shot(phone, 'ai-settings-phone-en');
    await phone.goto('/conversations');
    await phone.getByRole('tab', { name: 'Pending' }).click(); // the handoff left it pending
    await phone.locator('a[data-conversation-id]', { hasText: customer.name }).click();
    await phone
      .getByTestId('system-message')
      .getByText(/The customer asked for a person/)
      .waitFor();
    await phone.getByTestId('ai-state').getByText('Customer asked for a person').waitFor();
    await shot(phone, 'ai-thread-phone-en');
  });

  if (groq && groq.calls.length !== 2) {
    await t.step('the model was called once per answer', async () => {
      throw new Error(`expected 2 model calls (test box + one answer), got ${groq.calls.length}`);
    });
  }
}
