import { LoadClient, percentiles, runFixedRate, sleep } from '../test/support/load.js';
import { startMotor } from '../test/support/motor-process.js';
import { startFakeGroq } from '../test/support/fake-groq.js';
import {
  createBenchDatabase,
  seedTenants,
  type BenchTenant,
  type DriverKind,
} from '../test/support/load-fixture.js';
import { connectAgents } from './lib/agents.js';
import type { BenchResult, Row } from './lib/report.js';
import { benchDrivers, benchSeconds } from './lib/settings.js';
import { trafficFor } from './lib/traffic.js';

/**
 * The AI adds no latency to ingest: webhook POST → `message.created` at the agents' sockets, with
 * the AI OFF and ON for the same accounts in the same run (phases alternate off/on/off/on, so
 * drift hits both alike), at a fixed rate. With the AI on, every customer message also schedules
 * a reply job (in the ingest transaction) and the responder loop calls the model (a local
 * OpenAI-compatible server answering after 400 ms, through the real groq-sdk) and sends the answer
 * through the outbox, concurrently with the ingest being measured. Also: the size of what is sent
 * to the model per answer (realistic settings, a 40-product catalogue, up to 20 turns).
 */

const ACCOUNTS = 3;
const AGENTS_PER_ACCOUNT = 5;
const CONVERSATIONS_PER_INSTANCE = 8;
const RATE = Number(process.env.BENCH_AI_RATE ?? 20);

const BUSINESS =
  'Somos a Passo Certo, loja de calçados esportivos em Recife (Boa Viagem). Atendemos de segunda a sábado, das 9h às 19h. Entregamos em toda a Região Metropolitana em até 2 dias úteis; para o resto do Brasil, pelos Correios (5 a 10 dias úteis). Aceitamos Pix, cartão em até 6x sem juros e boleto. Trocas em até 30 dias com a nota fiscal.';
const INSTRUCTIONS =
  'Fale de forma simpática e direta, com no máximo 3 frases. Sempre diga o preço quando citar um produto. Ofereça frete grátis acima de R$ 299. Se o cliente quiser comprar, peça o tamanho e o CEP.';
const KINDS = [
  'Tênis de Corrida',
  'Tênis Casual',
  'Chuteira Society',
  'Sandália Esportiva',
  'Meia Técnica',
  'Mochila Esportiva',
  'Boné',
  'Camiseta Dry',
];
const QUESTIONS = [
  'vocês têm tênis de corrida tamanho 42?',
  'qual o preço da chuteira society?',
  'entregam em Olinda?',
  'tem meia de compressão?',
  'quero uma mochila para academia',
  'parcelam no cartão?',
];

async function measure(kind: DriverKind) {
  const seconds = benchSeconds();
  const groq = await startFakeGroq({
    latencyMs: 400,
    defaultAnswer:
      'Temos sim! O Tênis de Corrida Leve sai por R$ 129,90, em 6x sem juros. Qual o seu tamanho?',
  });
  const database = await createBenchDatabase(kind);
  try {
    const db = await database.open();
    const tenants = await seedTenants(db, { accounts: ACCOUNTS, instancesPerAccount: 1 });
    const instances = tenants.flatMap((t) => t.instances);
    const motor = await startMotor({
      env: { ...database.motorEnv, GROQ_API_KEY: 'gsk_bench_not_a_real_key', GROQ_BASE_URL: groq.url },
    }).catch(async (err) => {
      await db.close();
      throw err;
    });
    const client = new LoadClient(motor.url, { maxSockets: 128 });
    const asTenant = (t: BenchTenant, method: 'PUT' | 'POST', path: string, body: unknown) =>
      fetch(`${motor.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', cookie: t.cookie, origin: motor.url },
        body: JSON.stringify(body),
      }).then(async (r) => {
        if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      });
    const setAi = (enabled: boolean) =>
      Promise.all(tenants.map((t) => asTenant(t, 'PUT', '/api/settings/ai', { enabled })));
    const phases: Array<{ ai: boolean; socket: number[]; ack: number[] }> = [];
    try {
      for (const t of tenants) {
        await asTenant(t, 'PUT', '/api/settings/ai', {
          businessDescription: BUSINESS,
          instructions: INSTRUCTIONS,
          replyDelayMs: 1000,
        });
        for (let i = 0; i < 40; i++) {
          await asTenant(t, 'POST', '/api/products', {
            name: `${KINDS[i % KINDS.length]} ${['Leve', 'Pro', 'Max', 'Flex', 'Street'][i % 5]} ${i}`,
            description: `Modelo ${i}: confortável, respirável, ideal para o dia a dia. Tamanhos 34 a 44. Cores preto, branco e azul.`,
            priceCents: 4990 + i * 1000,
            sku: `PC-${i}`,
          });
        }
        for (const inst of t.instances) {
          const r = await client.post(
            '/api/webhook',
            {
              event: 'connection.update',
              instance: inst.name,
              data: {
                instance: inst.name,
                wuid: '5581999990000@s.whatsapp.net',
                profileName: 'Passo Certo',
                state: 'open',
                statusReason: 200,
              },
            },
            { 'x-motor-token': inst.secret },
          );
          if (r.status !== 200) throw new Error(`connection.update: ${r.status}`);
        }
      }
      const agents = await connectAgents({ url: motor.url, tenants, perTenant: AGENTS_PER_ACCOUNT });
      try {
        let q = 0;
        const next = trafficFor(instances, CONVERSATIONS_PER_INSTANCE);
        const sentAt = new Map<string, number>();
        let current: { socket: number[] } | null = null;
        agents.onMessage((id, at) => {
          const s = sentAt.get(id);
          if (s !== undefined && current) current.socket.push(at - s);
        });
        for (const ai of [false, true, false, true]) {
          await setAi(ai);
          await sleep(500);
          const phase = { ai, socket: [] as number[], ack: [] as number[] };
          current = phase;
          sentAt.clear();
          await runFixedRate({
            rate: RATE,
            durationMs: seconds * 1000,
            op: async () => {
              const t = next();
              (t.body.data as { message: { conversation: string } }).message.conversation =
                QUESTIONS[q++ % QUESTIONS.length]!;
              const t0 = performance.now();
              sentAt.set(t.id, t0);
              const r = await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret });
              phase.ack.push(performance.now() - t0);
              return r.status === 200;
            },
          });
          await sleep(1500); // the phase's last deliveries (and, with AI, its replies) land in it
          phases.push(phase);
        }
        await setAi(false);
        await sleep(2000);
      } finally {
        agents.close();
      }
    } finally {
      client.close();
      await motor.stop();
    }
    await db.close();
    const pick = (ai: boolean) => phases.filter((p) => p.ai === ai);
    const off = percentiles(pick(false).flatMap((p) => p.socket));
    const on = percentiles(pick(true).flatMap((p) => p.socket));
    const ackOff = percentiles(pick(false).flatMap((p) => p.ack));
    const ackOn = percentiles(pick(true).flatMap((p) => p.ack));
    const calls = groq.chats.map((r) => r.body);
    const promptChars = calls.map((b) => JSON.stringify(b.messages).length);
    const systemChars = calls.map((b) => String(b.messages[0]?.content ?? '').length);
    const turns = calls.map((b) => b.messages.length - 1);
    const products = calls.map((b) => (String(b.messages[0]?.content ?? '').match(/\n- /g) ?? []).length);
    return { off, on, ackOff, ackOn, calls: calls.length, promptChars, systemChars, turns, products };
  } finally {
    await groq.close();
    await database.drop();
  }
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export async function run(): Promise<BenchResult[]> {
  const started = Date.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {
    rate: RATE,
    accounts: ACCOUNTS,
    agents: ACCOUNTS * AGENTS_PER_ACCOUNT,
    seconds: benchSeconds(),
    phases: 'off, on, off, on',
  };
  for (const kind of benchDrivers()) {
    try {
      const r = await measure(kind);
      const off = (v: number) => ({ name: 'same path, AI off (same run)', value: v });
      rows.push(
        {
          name: `${kind}: POST → message.created p50, AI on`,
          value: r.on.p50,
          unit: 'ms',
          baseline: off(r.off.p50),
        },
        {
          name: `${kind}: POST → message.created p99, AI on`,
          value: r.on.p99,
          unit: 'ms',
          baseline: off(r.off.p99),
          target: 'within 10% of AI off',
          note: `${r.on.count} / ${r.off.count} deliveries on / off; webhook 200 p99 ${r.ackOn.p99.toFixed(1)} on / ${r.ackOff.p99.toFixed(1)} off ms; ${r.calls} model calls`,
        },
        {
          name: `${kind}: sent to the model per answer (JSON of messages)`,
          value: Math.round(mean(r.promptChars)),
          unit: 'chars',
          note: `system message ${Math.round(mean(r.systemChars))} chars with ${mean(r.products).toFixed(1)} products; ${mean(r.turns).toFixed(1)} turns on average`,
        },
        {
          name: `${kind}: prompt tokens per answer (≈ chars / 4)`,
          value: Math.round(mean(r.promptChars) / 4),
          unit: 'tokens',
          note: 'estimate: the fake Groq has no tokenizer; real usage is stored per job (ai_jobs.prompt_tokens)',
        },
      );
      details[kind] = {
        socketOffMs: r.off,
        socketOnMs: r.on,
        ackOffMs: r.ackOff,
        ackOnMs: r.ackOn,
        modelCalls: r.calls,
        promptCharsMean: mean(r.promptChars),
        systemCharsMean: mean(r.systemChars),
        turnsMean: mean(r.turns),
        productsMean: mean(r.products),
      };
    } catch (err) {
      notes.push(`${kind}: not measured: ${(err as Error).stack ?? (err as Error).message}`);
    }
  }
  return [
    {
      bench: 'ai',
      title: `webhook POST → message.created with the AI off and on (same run, ${RATE} webhooks/s), and what an answer costs`,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      rows,
      details,
      notes,
    },
  ];
}
