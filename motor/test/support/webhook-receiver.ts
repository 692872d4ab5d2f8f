import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: { event: string; instance: string; data: unknown; [k: string]: unknown };
  at: number;
}

/**
 * A tiny HTTP server on port 0 that records every webhook POSTed to it and answers with
 * `respond(hook)` (default 200). `waitFor` resolves as soon as a matching webhook arrived.
 *
 * @example
 *   const rx = await startWebhookReceiver();
 *   const hook = await rx.waitFor((h) => h.body.event === 'qrcode.updated');
 *   await rx.close();
 */
export async function startWebhookReceiver(opts: { respond?: (h: ReceivedWebhook) => number | 'hang' } = {}) {
  const received: ReceivedWebhook[] = [];
  const waiters: { pred: (h: ReceivedWebhook) => boolean; resolve: (h: ReceivedWebhook) => void }[] = [];
  let respond = opts.respond ?? (() => 200);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hook: ReceivedWebhook = { path: req.url ?? '/', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), at: Date.now() };
      received.push(hook);
      for (const w of [...waiters]) {
        if (!w.pred(hook)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hook);
      }
      const status = respond(hook);
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    setRespond(fn: (h: ReceivedWebhook) => number | 'hang') {
      respond = fn;
    },
    of(event: string) {
      return received.filter((h) => h.body.event === event);
    },
    waitFor(pred: (h: ReceivedWebhook) => boolean, timeoutMs = 20_000): Promise<ReceivedWebhook> {
      const hit = received.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching webhook within ${timeoutMs} ms; got ${received.map((h) => h.body.event).join(', ')}`)), timeoutMs);
        waiters.push({ pred, resolve: (h) => (clearTimeout(t), resolve(h)) });
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
