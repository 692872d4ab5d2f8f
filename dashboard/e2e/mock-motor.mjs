// A small in-memory stand-in for the Motor's HTTP API and Socket.IO events (docs/api.md), used to
// develop and screenshot the dashboard when the real Motor is not available. Not a product part.
//   node e2e/mock-motor.mjs [port]   (serves dashboard/build too)
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import QRCode from 'qrcode';
import { Server } from 'socket.io';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../build');
const now = () => new Date().toISOString();

export async function startMock({ port = 0, seedConversations = 0 } = {}) {
  const accounts = new Map(); // id → {id,name,users:[],instances:[],conversations:[],messages:[],events:[],seq}
  const users = new Map(); // email → user (+accountId, password)
  const sessions = new Map(); // sid → userId
  const userById = new Map();

  function publish(acc, type, data) {
    const e = { seq: ++acc.seq, type, at: now(), data };
    acc.events.push(e);
    io.to(`account:${acc.id}`).emit(type, e);
  }
  const authOf = (req) => {
    const sid = /sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const u = sid && userById.get(sessions.get(sid));
    return u ? { user: u, acc: accounts.get(u.accountId) } : null;
  };
  const pub = (u) => ({ id: u.id, email: u.email, name: u.name, role: u.role });

  function seed(acc, n) {
    const names = ['Maria Souza', 'João Pereira', 'Ana Lima', 'Carlos Eduardo', 'Fernanda Alves', 'Pedro Henrique', 'Juliana Costa'];
    const texts = ['Oi, vocês abrem amanhã?', 'Quanto custa a pizza grande?', 'Obrigado!', 'Meu pedido já saiu?', 'Tem opção vegetariana?'];
    for (let i = 0; i < n; i++) {
      const at = new Date(Date.now() - i * 37 * 60_000).toISOString();
      const c = {
        id: randomUUID(), instanceId: acc.instances[0]?.id ?? randomUUID(),
        contact: { id: randomUUID(), name: `${names[i % names.length]}${i >= names.length ? ` ${i}` : ''}`, phone: `55119${String(80000000 + i * 7919).slice(0, 8)}`, avatarUrl: null },
        group: null, status: i % 9 === 5 ? 'pending' : 'open', assigneeId: null, aiEnabled: i % 3 === 0,
        unreadCount: i < 3 ? i + 1 : 0, lastMessageAt: at, lastMessagePreview: texts[i % texts.length],
      };
      acc.conversations.push(c);
      acc.messages.push({ ...baseMsg(c.id), text: texts[i % texts.length], createdAt: at });
    }
    showcase(acc);
  }

  /** One group conversation with every kind of message, for screenshots. */
  function showcase(acc) {
    const at = (min) => new Date(Date.now() - min * 60_000).toISOString();
    const c = {
      id: randomUUID(), instanceId: randomUUID(), contact: null, group: { id: randomUUID(), subject: 'Clientes VIP' },
      status: 'open', assigneeId: null, aiEnabled: true, unreadCount: 0, lastMessageAt: at(1), lastMessagePreview: 'Perfeito!',
    };
    acc.conversations.push(c);
    const m = (min, p) => acc.messages.push({ ...baseMsg(c.id), createdAt: at(min), ...p });
    const yesterday = 60 * 26;
    m(yesterday + 5, { text: 'Bom dia! Qual o horário de vocês?', authorName: 'Carla', participant: '5511911112222@s.whatsapp.net' });
    m(yesterday, { direction: 'out', sender: 'ai', text: 'Abrimos todos os dias das 18h às 23h. 🍕', status: 'read', reactions: { '👍': 2, '❤️': 1 } });
    m(30, { type: 'image', media: { mimetype: 'image/jpeg', caption: 'Essa aqui tem?', fileName: null }, authorName: 'Rafael', participant: '5511933334444@s.whatsapp.net', waMessageId: 'IMG1' });
    m(29, { direction: 'out', sender: 'agent', authorId: null, text: 'Tem sim! (respondido pelo celular)', status: 'delivered', quotedWaMessageId: 'IMG1' });
    m(25, { type: 'audio', media: { mimetype: 'audio/ogg', caption: null, fileName: null, seconds: 12 }, authorName: 'Rafael', participant: '5511933334444@s.whatsapp.net' });
    m(20, { type: 'document', media: { mimetype: 'application/pdf', caption: null, fileName: 'cardapio-2026.pdf' }, direction: 'out', sender: 'campaign', status: 'sent' });
    m(15, { type: 'location', media: { mimetype: null, caption: null, fileName: null, latitude: -23.55052, longitude: -46.633308 }, authorName: 'Carla', participant: '5511911112222@s.whatsapp.net' });
    m(10, { type: 'sticker', media: { mimetype: 'image/webp', caption: null, fileName: null }, authorName: 'Carla', participant: '5511911112222@s.whatsapp.net' });
    m(5, { text: 'Quero 2 pizzas, veja https://example.com/pedido/123', authorName: 'Rafael', participant: '5511933334444@s.whatsapp.net', quotedWaMessageId: 'NOPE' });
    m(1, { direction: 'out', sender: 'agent', authorId: randomUUID(), authorName: 'Bruno', text: 'Perfeito!', status: 'pending' });
  }
  const baseMsg = (cid) => ({
    id: randomUUID(), conversationId: cid, waMessageId: randomUUID().slice(0, 16), clientId: null, direction: 'in', sender: 'contact',
    authorId: null, authorName: null, participant: null, type: 'text', text: null, media: null, quotedWaMessageId: null,
    reactions: null, status: 'received', error: null, sentAt: null, createdAt: now(),
  });

  function ingestIncoming(acc, inst, { phone, name, text }) {
    let c = acc.conversations.find((x) => x.contact?.phone === phone);
    const m = { ...baseMsg(null), text, authorName: name };
    if (!c) {
      c = { id: randomUUID(), instanceId: inst.id, contact: { id: randomUUID(), name, phone, avatarUrl: null }, group: null,
        status: 'open', assigneeId: null, aiEnabled: false, unreadCount: 0, lastMessageAt: null, lastMessagePreview: null };
      acc.conversations.push(c);
    }
    m.conversationId = c.id;
    Object.assign(c, { unreadCount: c.unreadCount + 1, lastMessageAt: m.createdAt, lastMessagePreview: text, status: c.status === 'resolved' ? 'open' : c.status });
    acc.messages.push(m);
    publish(acc, 'message.created', { message: m, conversation: { ...c } });
  }

  const routes = [];
  const route = (method, re, fn, auth = true) => routes.push({ method, re, fn, auth });

  route('POST', /^\/api\/auth\/signup$/, async ({ body, res }) => {
    const issues = [];
    if (!body.email?.includes('@')) issues.push({ path: ['email'], message: 'Invalid email' });
    if (!body.password || body.password.length < 8) issues.push({ path: ['password'], message: 'Too small: expected at least 8 characters' });
    if (!body.name) issues.push({ path: ['name'], message: 'Required' });
    if (!body.accountName) issues.push({ path: ['accountName'], message: 'Required' });
    if (issues.length) return [400, { error: { code: 'validation_failed', message: 'invalid', details: issues } }];
    if (users.has(body.email)) return [409, { error: { code: 'conflict', message: 'exists' } }];
    const acc = { id: randomUUID(), name: body.accountName, instances: [], conversations: [], messages: [], events: [], seq: 0 };
    accounts.set(acc.id, acc);
    const u = { id: randomUUID(), email: body.email, name: body.name, role: 'owner', accountId: acc.id, password: body.password };
    users.set(u.email, u); userById.set(u.id, u);
    if (seedConversations) seed(acc, seedConversations);
    login(res, u);
    return [201, { user: pub(u), account: { id: acc.id, name: acc.name } }];
  }, false);
  const fails = new Map();
  route('POST', /^\/api\/auth\/login$/, async ({ body, res }) => {
    const u = users.get(body.email);
    if ((fails.get(body.email) ?? 0) >= 5) { res.setHeader('retry-after', '30'); return [429, { error: { code: 'rate_limited', message: 'slow down' } }]; }
    if (!u || u.password !== body.password) { fails.set(body.email, (fails.get(body.email) ?? 0) + 1); return [401, { error: { code: 'unauthenticated', message: 'wrong' } }]; }
    login(res, u);
    return [200, { user: pub(u), account: { id: u.accountId, name: accounts.get(u.accountId).name } }];
  }, false);
  function login(res, u) { const sid = randomUUID(); sessions.set(sid, u.id); res.setHeader('set-cookie', `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`); }
  route('POST', /^\/api\/auth\/logout$/, async ({ res }) => { res.setHeader('set-cookie', 'sid=; Path=/; Max-Age=0'); return [204]; }, false);
  route('GET', /^\/api\/me$/, async ({ a }) => [200, { user: pub(a.user), account: { id: a.acc.id, name: a.acc.name } }]);

  route('GET', /^\/api\/conversations$/, async ({ a, q }) => {
    let list = a.acc.conversations.filter((c) => !q.get('status') || c.status === q.get('status'));
    const term = q.get('q')?.toLowerCase();
    if (term) list = list.filter((c) => `${c.contact?.name} ${c.contact?.phone} ${c.lastMessagePreview}`.toLowerCase().includes(term));
    list = list.sort((x, y) => (y.lastMessageAt ?? '').localeCompare(x.lastMessageAt ?? ''));
    if (q.get('before')) list = list.filter((c) => (c.lastMessageAt ?? '') < q.get('before'));
    return [200, list.slice(0, Number(q.get('limit') ?? 50))];
  });
  const conv = (a, id) => a.acc.conversations.find((c) => c.id === id);
  route('GET', /^\/api\/conversations\/([^/]+)$/, async ({ a, m }) => (conv(a, m[1]) ? [200, conv(a, m[1])] : [404, { error: { code: 'not_found', message: 'nf' } }]));
  route('GET', /^\/api\/conversations\/([^/]+)\/messages$/, async ({ a, m, q }) => {
    let list = a.acc.messages.filter((x) => x.conversationId === m[1]).sort((x, y) => x.createdAt.localeCompare(y.createdAt));
    if (q.get('before')) list = list.filter((x) => x.createdAt < q.get('before'));
    return [200, list.slice(-Number(q.get('limit') ?? 50))];
  });
  route('POST', /^\/api\/conversations\/([^/]+)\/messages$/, async ({ a, m, body }) => {
    const c = conv(a, m[1]);
    if (!c) return [404, { error: { code: 'not_found', message: 'nf' } }];
    const existing = body.clientId && a.acc.messages.find((x) => x.clientId === body.clientId);
    if (existing) return [200, { success: true, message: existing }];
    const msg = { ...baseMsg(c.id), direction: 'out', sender: 'agent', authorId: a.user.id, authorName: a.user.name, text: body.text, clientId: body.clientId ?? null, status: 'pending' };
    a.acc.messages.push(msg);
    Object.assign(c, { lastMessageAt: msg.createdAt, lastMessagePreview: body.text });
    publish(a.acc, 'message.created', { message: msg, conversation: { ...c } });
    let k = 0;
    for (const st of body.text.includes('falha') ? ['failed'] : ['sent', 'delivered', 'read']) {
      setTimeout(() => { msg.status = st; if (st === 'failed') msg.error = 'upstream_failed'; publish(a.acc, 'message.updated', { message: { ...msg } }); }, 400 * ++k);
    }
    return [200, { success: true, message: msg }];
  });
  route('POST', /^\/api\/conversations\/([^/]+)\/read$/, async ({ a, m }) => {
    const c = conv(a, m[1]);
    if (c && c.unreadCount) { c.unreadCount = 0; publish(a.acc, 'conversation.updated', { conversation: { ...c } }); }
    return [204];
  });
  route('PATCH', /^\/api\/conversations\/([^/]+)$/, async ({ a, m, body }) => {
    const c = conv(a, m[1]);
    Object.assign(c, body);
    publish(a.acc, 'conversation.updated', { conversation: { ...c } });
    return [200, c];
  });

  route('GET', /^\/api\/instances$/, async ({ a }) => [200, a.acc.instances]);
  route('POST', /^\/api\/instance\/connect$/, async ({ a, body }) => {
    let inst = a.acc.instances.find((i) => i.name === body.instanceName);
    if (!inst) { inst = { id: randomUUID(), name: body.instanceName ?? `atende-${a.acc.instances.length + 1}`, status: 'connecting', phoneNumber: null, profileName: null, reason: null, updatedAt: now() }; a.acc.instances.push(inst); }
    Object.assign(inst, { status: 'connecting', reason: null, updatedAt: now() });
    publish(a.acc, 'instance.updated', { instance: { ...inst } });
    setTimeout(async () => {
      inst.qr = await QRCode.toDataURL(`2@${randomUUID()}`, { margin: 1, width: 264 });
      io.to(`account:${a.acc.id}`).emit('instance.qr', { instanceId: inst.id, instanceName: inst.name, qrCode: inst.qr, pairingCode: null });
    }, 300);
    return [200, { status: 'initializing', instanceId: inst.id, instanceName: inst.name }];
  });
  route('GET', /^\/api\/instance\/status$/, async ({ a, q }) => {
    const inst = a.acc.instances.find((i) => i.name === q.get('instanceName'));
    return inst ? [200, { status: inst.status, qrCode: inst.status === 'connecting' ? (inst.qr ?? null) : null, phoneNumber: inst.phoneNumber }] : [404, { error: { code: 'not_found', message: 'nf' } }];
  });
  route('DELETE', /^\/api\/instance\/disconnect$/, async ({ a, q }) => {
    const inst = a.acc.instances.find((i) => i.name === q.get('instanceName'));
    Object.assign(inst, { status: 'disconnected', reason: 'closed', updatedAt: now() });
    publish(a.acc, 'instance.updated', { instance: { ...inst } });
    return [200, { success: true }];
  });

  route('GET', /^\/api\/users$/, async ({ a }) => [200, [...users.values()].filter((u) => u.accountId === a.acc.id).map(pub)]);
  route('POST', /^\/api\/users$/, async ({ a, body }) => {
    if (users.has(body.email)) return [409, { error: { code: 'conflict', message: 'exists' } }];
    const u = { id: randomUUID(), email: body.email, name: body.name, role: body.role ?? 'agent', accountId: a.acc.id, password: body.password };
    users.set(u.email, u); userById.set(u.id, u);
    return [201, { user: pub(u), ...(body.password ? {} : { inviteUrl: `http://localhost/invite/${randomUUID()}` }) }];
  });
  route('PATCH', /^\/api\/users\/([^/]+)$/, async ({ m, body }) => { const u = userById.get(m[1]); u.role = body.role; return [200, pub(u)]; });
  route('DELETE', /^\/api\/users\/([^/]+)$/, async ({ m }) => { const u = userById.get(m[1]); users.delete(u.email); userById.delete(u.id); return [204]; });

  route('GET', /^\/api\/events$/, async ({ a, q }) => {
    const after = Number(q.get('after')); const limit = Number(q.get('limit') ?? 500);
    return [200, { events: a.acc.events.filter((e) => e.seq > after).slice(0, limit), seq: a.acc.seq }];
  });
  route('GET', /^\/api\/overview$/, async ({ a }) => {
    const today = new Date().toISOString().slice(0, 10);
    return [200, { instances: a.acc.instances, openConversations: a.acc.conversations.filter((c) => c.status === 'open').length, messagesToday: a.acc.messages.filter((m) => m.createdAt.startsWith(today)).length }];
  });
  route('GET', /^\/api\/sandbox$/, async () => [200, { enabled: true }]);
  route('POST', /^\/api\/sandbox\/scan$/, async ({ a, body }) => {
    const inst = a.acc.instances.find((i) => i.name === body.instanceName);
    Object.assign(inst, { status: 'connected', phoneNumber: '5511912345678', profileName: a.acc.name, reason: null, updatedAt: now() });
    publish(a.acc, 'instance.updated', { instance: { ...inst } });
    return [200, { success: true }];
  });
  route('POST', /^\/api\/sandbox\/messages$/, async ({ a, body }) => {
    const inst = a.acc.instances.find((i) => i.name === body.instanceName);
    ingestIncoming(a.acc, inst, body);
    return [200, { success: true }];
  });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/api/')) {
      const r = routes.find((x) => x.method === req.method && x.re.test(url.pathname));
      let body = {};
      const chunks = [];
      for await (const ch of req) chunks.push(ch);
      if (chunks.length) try { body = JSON.parse(Buffer.concat(chunks).toString()); } catch { body = {}; }
      const send = (status, json) => { res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' }); res.end(json === undefined ? undefined : JSON.stringify(json)); };
      if (!r) return send(404, { error: { code: 'not_found', message: 'no route' } });
      const a = authOf(req);
      if (r.auth && !a) return send(401, { error: { code: 'unauthenticated', message: 'login' } });
      try {
        const [status, json] = await r.fn({ a, body, res, q: url.searchParams, m: r.re.exec(url.pathname) });
        return send(status, json);
      } catch (e) { console.error(e); return send(500, { error: { code: 'internal', message: 'boom' } }); }
    }
    let file = path.join(BUILD, decodeURIComponent(url.pathname));
    if (!file.startsWith(BUILD) || !existsSync(file) || url.pathname === '/') file = path.join(BUILD, 'index.html');
    try { if (!readFileSync(file)) throw 0; } catch { file = path.join(BUILD, 'index.html'); }
    const ext = path.extname(file);
    const type = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.html': 'text/html' }[ext] ?? 'application/octet-stream';
    try { res.writeHead(200, { 'content-type': type }); res.end(readFileSync(file)); } catch { res.writeHead(404); res.end(); }
  });
  const io = new Server(server, { path: '/socket.io' });
  io.use((socket, next) => { const a = authOf(socket.request); if (!a) return next(new Error('unauthenticated')); socket.data.a = a; next(); });
  io.on('connection', (socket) => {
    const { user, acc } = socket.data.a;
    socket.join(`account:${acc.id}`);
    socket.emit('ready', { accountId: acc.id, userId: user.id, seq: acc.seq });
    socket.on('conversation:typing', (p, ack) => { socket.to(`account:${acc.id}`).emit('conversation.typing', { conversationId: p.conversationId, userId: user.id, name: user.name }); ack?.({ ok: true, data: null }); });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { port: server.address().port, close: () => new Promise((r) => { io.close(); server.close(() => r()); }) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { port } = await startMock({ port: Number(process.argv[2] ?? 3999), seedConversations: Number(process.env.SEED ?? 0) });
  console.log(`mock motor on http://127.0.0.1:${port}`);
}
