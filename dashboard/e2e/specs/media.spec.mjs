// Issue 14, in the browser: what a customer sends is seen and heard (an image opens large, an audio
// plays, a PDF downloads), and the agent sends a captioned photo and a recorded voice note (Chromium's
// fake microphone: run.mjs launches it with --use-fake-device-for-media-stream); both voice notes
// show their transcript (this spec's Motor talks to a local speech-to-text stand-in for Groq).
import http from 'node:http';

const HEARD = ['Oi, vocês têm esse modelo em azul?', 'Temos sim, já separei para você.'];

/** Answers Groq's /audio/transcriptions with the HEARD sentences in turn (chat is not used here). */
async function startSpeechToText() {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const ok = req.url?.endsWith('/audio/transcriptions');
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { text: HEARD[n++] ?? HEARD.at(-1) } : { error: { message: 'not here' } }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function motorEnv() {
  const stt = await startSpeechToText();
  return { env: { GROQ_API_KEY: 'gsk_e2e_media', GROQ_BASE_URL: stt.url }, close: stt.close };
}

/** @param {import('../run.mjs').T} t */
export default async function media(t) {
  const { newPage, apiCall, signup, connectNumber, sandboxMessage, shot, waitFor } = t;
  const messages = async () => (await apiCall(page, 'GET', `/api/conversations/${conversationId}/messages`)).json;
  const stamp = Date.now().toString(36);
  const owner = {
    name: 'Marta Mídia',
    accountName: 'Loja Foto',
    email: `marta.${stamp}@example.com`,
    password: 'senha-forte-9',
  };
  const instanceName = `media-${stamp}`;
  const phone = '5511976540001';
  const customer = 'Cliente Mídia';

  const page = await newPage();
  const sandboxFile = (kind, caption) =>
    apiCall(page, 'POST', '/api/sandbox/media', { instanceName, phone, name: customer, kind, caption });
  let conversationId = '';

  await t.step('setup: an owner, a connected number, a customer who sends a photo, an audio, a voice note, a video, a PDF and a contact', async () => {
    await signup(page, owner);
    await connectNumber(page, instanceName);
    await sandboxMessage(page, { instanceName, phone, name: customer, text: 'Oi! Vou mandar umas fotos' });
    for (const [kind, caption] of [
      ['image', 'Este modelo, em azul'],
      ['audio'],
      ['voice'],
      ['video', 'Funcionando'],
      ['document'],
      ['contact'],
    ]) {
      const r = await sandboxFile(kind, caption);
      if (r.status !== 200) throw new Error(`sandbox ${kind}: ${r.status} ${JSON.stringify(r.json)}`);
    }
    const list = await apiCall(page, 'GET', '/api/conversations');
    conversationId = list.json[0].id;
    await page.goto(`/conversations/${conversationId}`);
    await page.locator('[data-testid="media-document"]').waitFor();
  });

  await t.step('an incoming image shows in the bubble and opens large', async () => {
    const pic = page.locator('[data-testid="media-image"]').first();
    await pic.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="media-image"] img.full');
      return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
    });
    await shot(page, 'media-thread');
    await pic.click();
    const box = page.locator('[data-testid="media-lightbox"]');
    await box.waitFor();
    const size = await box.locator('img').evaluate((img) => ({ w: img.naturalWidth, h: img.naturalHeight }));
    if (size.w !== 320 || size.h !== 240) throw new Error(`the large image is ${size.w}×${size.h}`);
    await shot(page, 'media-lightbox');
    await page.keyboard.press('Escape');
    await box.waitFor({ state: 'detached' });
  });

  await t.step('an audio plays (and plays faster at 2×)', async () => {
    const audio = page.locator('[data-testid="media-audio"]').first();
    await audio.scrollIntoViewIfNeeded();
    await audio.getByRole('button', { name: '2×' }).click();
    const played = await audio.locator('audio').evaluate(async (el) => {
      el.muted = true;
      await el.play();
      await new Promise((r) => setTimeout(r, 600));
      return { time: el.currentTime, rate: el.playbackRate, paused: el.paused };
    });
    if (!(played.time > 0.3) || played.rate !== 2) throw new Error(`audio did not play: ${JSON.stringify(played)}`);
  });

  await t.step('a PDF downloads with its name and bytes', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid="media-document"]').click(),
    ]);
    if (download.suggestedFilename() !== 'pedido.pdf')
      throw new Error(`downloaded as ${download.suggestedFilename()}`);
    const file = await download.path();
    const { readFile } = await import('node:fs/promises');
    const head = (await readFile(file)).subarray(0, 5).toString('latin1');
    if (head !== '%PDF-') throw new Error(`the download is not a PDF: ${head}`);
  });

  await t.step("the customer's voice note shows its transcript under the player", async () => {
    const line = page.locator('[data-testid="media-transcript"]').filter({ hasText: HEARD[0] });
    await line.waitFor();
    await line.scrollIntoViewIfNeeded();
    await shot(page, 'media-transcript');
  });

  await t.step('an image pasted into the composer and a PDF dropped on it open the preview', async () => {
    const bytesOf = (type) =>
      page.evaluate(async ([id, kind]) => {
        const list = await (await fetch(`/api/conversations/${id}/messages`)).json();
        const m = list.find((x) => x.type === kind && x.direction === 'in');
        return Array.from(new Uint8Array(await (await fetch(m.media.url)).arrayBuffer()));
      }, [conversationId, type]);
    const png = await bytesOf('image');
    await page.locator('#composer').evaluate((el, bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, png);
    await page.locator('[data-testid="attach-preview-image"]').waitFor();
    await page.getByRole('button', { name: 'Cancelar' }).click();
    const pdf = await bytesOf('document');
    await page.locator('form.composer').evaluate((el, bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'orcamento.pdf', { type: 'application/pdf' }));
      for (const type of ['dragenter', 'dragover', 'drop'])
        el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, pdf);
    const preview = page.locator('[data-testid="attach-preview"]');
    await preview.filter({ hasText: 'orcamento.pdf' }).waitFor();
    await page.locator('[data-testid="attach-send"]').click();
    await preview.waitFor({ state: 'detached' });
    await waitFor(page, 'the dropped PDF stored', async () =>
      (await messages()).some((x) => x.direction === 'out' && x.type === 'document' && x.media?.fileName === 'orcamento.pdf'),
    );
  });

  await t.step('the contact card keeps the number', async () => {
    const text = await page.locator('.thread').innerText();
    if (!text.includes('Loja Parceira') || !/\+55 11 91234-5678/.test(text))
      throw new Error('the contact card lost its number');
  });

  await t.step('an image is attached, captioned and sent: pending, then sent, shown from the Motor', async () => {
    // The customer's photo, as the Motor serves it, is the agent's catalogue picture.
    const photo = await page.evaluate(async (id) => {
      const list = await (await fetch(`/api/conversations/${id}/messages`)).json();
      const img = list.find((x) => x.type === 'image');
      const bytes = new Uint8Array(await (await fetch(img.media.url)).arrayBuffer());
      return btoa(String.fromCharCode(...bytes));
    }, conversationId);
    await page.locator('[data-testid="composer-file"]').setInputFiles({
      name: 'catalogo.png',
      mimeType: 'image/png',
      buffer: Buffer.from(photo, 'base64'),
    });
    await page.locator('[data-testid="attach-preview-image"]').waitFor();
    await page.locator('[data-testid="attach-caption"]').fill('Temos em azul e verde');
    await shot(page, 'media-attach-preview');
    await page.locator('[data-testid="attach-send"]').click();
    await page.locator('[data-testid="attach-preview"]').waitFor({ state: 'detached' });
    await page.locator('.wrap.out').filter({ hasText: 'Temos em azul e verde' }).first().waitFor();
    await waitFor(page, 'the captioned photo sent', async () => {
      const m = (await messages()).find((x) => x.text === 'Temos em azul e verde');
      return m && ['sent', 'delivered', 'read'].includes(m.status) && m.type === 'image';
    });
  });

  await t.step('a file WhatsApp cannot take is explained in the preview (415)', async () => {
    await page.locator('[data-testid="composer-file"]').setInputFiles({
      name: 'programa.exe',
      mimeType: 'application/octet-stream',
      buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300, 0x90)]),
    });
    await page.locator('[data-testid="attach-send"]').click();
    const err = page.locator('[data-testid="attach-error"]');
    await err.waitFor();
    if (!/WhatsApp não aceita/.test(await err.innerText())) throw new Error(`error text: ${await err.innerText()}`);
    await page.getByRole('button', { name: 'Cancelar' }).click();
  });

  await t.step('a voice note is recorded (fake microphone), its length shown, and sent', async () => {
    await page.locator('[data-testid="voice-record"]').click();
    await page.locator('[data-testid="voice-recorder"]').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="voice-time"]')?.textContent === '0:02', null, {
      timeout: 10_000,
    });
    await shot(page, 'media-recording');
    await page.locator('[data-testid="voice-send"]').click();
    await page.locator('[data-testid="voice-recorder"]').waitFor({ state: 'detached' });
    const m = await waitFor(page, 'the voice note sent', async () => {
      const v = (await messages()).find((x) => x.direction === 'out' && x.type === 'audio' && x.media?.voiceNote);
      return v && ['sent', 'delivered', 'read'].includes(v.status) ? v : null;
    });
    if (!(m.media.seconds >= 2)) throw new Error(`voice note length ${m.media.seconds}`);
    await page.locator('[data-testid="media-transcript"]').filter({ hasText: HEARD[1] }).waitFor();
    const file = await apiCall(page, 'GET', m.media.url);
    if (file.status !== 200 || !/^audio\/(webm|ogg)/.test(file.headers['content-type']))
      throw new Error(`voice note served as ${file.status} ${file.headers['content-type']}`);
    await page.locator('[data-testid="media-audio"]').last().scrollIntoViewIfNeeded();
    await shot(page, 'media-sent');
  });
}
