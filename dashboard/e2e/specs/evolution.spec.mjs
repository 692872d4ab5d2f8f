// A number's lifecycle as an owner meets it: link by pairing code (typing the phone number), the QR
// countdown and "code expired, try again", and removing a number for good.
import path from 'node:path';

/** @param {import('../run.mjs').T} t */
export default async function evolution(t) {
  const { newPage, apiCall, signup, TIMEOUT } = t;
  const stamp = Date.now().toString(36);
  const owner = {
    name: 'Clara Dona',
    accountName: 'Floricultura Ipê',
    email: `clara.${stamp}@example.com`,
    password: 'senha-forte-1',
  };
  const paired = `ipe-par-${stamp}`;
  const scanned = `ipe-qr-${stamp}`;

  const page = await newPage();
  // A controllable clock: the QR lives ~45 s, which the test fast-forwards instead of waiting.
  await page.clock.install();
  page.on('dialog', (d) => void d.accept());
  const card = (name) => page.locator(`[data-testid=instance-card][data-instance="${name}"]`);

  await t.step('sign up and open Configurações → WhatsApp', async () => {
    await signup(page, owner);
    await page.goto('/settings/whatsapp');
    await page.getByRole('heading', { name: 'Números do WhatsApp' }).waitFor();
  });

  await t.step('a phone number that is not one is refused in Portuguese, without a request', async () => {
    await page.getByText('Código de pareamento (pelo número)').click();
    await page.getByLabel('Número do WhatsApp da empresa').fill('11 9');
    await page.getByRole('button', { name: 'Conectar número' }).click();
    await page.getByText('Digite o número com DDI e DDD').waitFor();
  });

  await t.step('connect with a pairing code: the 8-character code is shown big, with the steps', async () => {
    await page.getByLabel('Nome interno (opcional)').fill(paired);
    await page.getByLabel('Número do WhatsApp da empresa').fill('55 11 98765-4321');
    await page.getByRole('button', { name: 'Conectar número' }).click();
    const code = card(paired).locator('[data-testid=pairing-code]');
    await code.waitFor({ timeout: TIMEOUT + 10_000 }); // the (simulated) Evolution create takes seconds
    const text = (await code.textContent())?.trim() ?? '';
    if (!/^[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(text)) throw new Error(`pairing code looks wrong: "${text}"`);
    await card(paired).getByText('Conectar com número de telefone').waitFor();
    await page.screenshot({ path: path.join(t.out, 'evolution-pairing-code.png') });
  });

  await t.step('the QR counts down, then says the code expired and offers a new one', async () => {
    await page.getByText('Código QR', { exact: true }).click();
    await page.getByLabel('Nome interno (opcional)').fill(scanned);
    await page.getByRole('button', { name: 'Conectar número' }).click();
    const c = card(scanned);
    await c.locator('[data-testid=qr] img').waitFor({ timeout: TIMEOUT + 10_000 });
    await c
      .locator('[data-testid=qr-countdown]')
      .getByText(/O código vale por mais \d+ s/)
      .waitFor();
    await page.screenshot({ path: path.join(t.out, 'evolution-qr-countdown.png') });
    await page.clock.fastForward(46_000);
    await c.locator('[data-testid=qr-expired]').getByText('Código expirado, tente de novo').waitFor();
    await page.screenshot({ path: path.join(t.out, 'evolution-qr-expired.png') });
    await c.getByRole('button', { name: 'Gerar novo código' }).click();
    await c.locator('[data-testid=qr-countdown]').waitFor({ timeout: TIMEOUT + 10_000 });
    if (await c.locator('[data-testid=qr-expired]').count())
      throw new Error('still expired after a new code');
  });

  await t.step('on a phone (390×844) the pairing code and the buttons fit', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await card(paired).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(t.out, 'evolution-mobile.png') });
    const box = await card(paired).locator('[data-testid=pairing-code]').boundingBox();
    if (!box || box.x + box.width > 390) throw new Error(`pairing code overflows: ${JSON.stringify(box)}`);
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await t.step('remove a number for good: it leaves the list and Evolution', async () => {
    await card(paired).getByRole('button', { name: 'Remover' }).click();
    await card(paired).waitFor({ state: 'detached' });
    const list = await apiCall(page, 'GET', '/api/instances');
    if (list.json.some((i) => i.name === paired)) throw new Error('removed number still listed');
    const status = await apiCall(page, 'GET', `/api/instance/status?instanceName=${paired}`);
    if (status.status !== 404) throw new Error(`status of a removed number: ${status.status}`);
    await page.reload();
    await card(scanned).waitFor();
    if (await card(paired).count()) throw new Error('removed number came back after a reload');
    await page.screenshot({ path: path.join(t.out, 'evolution-removed.png') });
  });

  await t.step('in English too', async () => {
    await page.evaluate(() => window.localStorage.setItem('atende.locale', 'en'));
    await page.reload();
    await page.getByText('Pairing code (by phone number)').waitFor();
    await page.getByRole('button', { name: 'Remove' }).first().waitFor();
    await card(scanned).locator('[data-testid=qr] img').waitFor(); // the QR comes back after a reload
    await card(scanned).getByText(/The code is valid for \d+ more s/).waitFor();
    await page.screenshot({ path: path.join(t.out, 'evolution-en.png') });
    await page.evaluate(() => window.localStorage.setItem('atende.locale', 'pt-BR'));
  });
}
