import http from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

/** One scripted answer of the fake; without a script it answers `defaultAnswer`. */
export type FakeGroqStep =
  | { answer: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { stallMs: number } // answers nothing for this long (longer than the client's timeout = a timeout)
  | { status: number; retryAfter?: string; body?: unknown } // e.g. 429 with retry-after, 500
  | { empty: true }; // 200 with an empty message

export interface FakeGroqRequest {
  path: string;
  authorization: string | undefined;
  /** The parsed JSON body (chat) or null (multipart transcription). */
  body: any;
  contentType: string | undefined;
}

/** One `/audio/transcriptions` call, its multipart form read as OpenAI's API reads it. */
export interface FakeTranscription {
  model: string | undefined;
  language: string | undefined;
  responseFormat: string | undefined;
  fileName: string | undefined;
  fileType: string | undefined;
  bytes: Buffer;
}

/**
 * A local OpenAI-compatible server standing in for Groq, fed to the REAL groq-sdk through
 * `baseURL` (GROQ_BASE_URL). Scriptable: `script.push(step)` queues answers, stalls, error
 * statuses (429 with retry-after, 5xx) and empty answers; every request is recorded with its body,
 * so tests assert on exactly what was sent to the model.
 *
 * @example
 *   const groq = await startFakeGroq();
 *   groq.script.push({ status: 429, retryAfter: '1' }, { answer: 'Temos sim!' });
 *   const llm = new GroqLlm({ apiKey: 'test-key', baseUrl: groq.url });
 *   // … groq.requests[0].body.messages
 *   await groq.close();
 */
export async function startFakeGroq(
  opts: {
    defaultAnswer?: string | ((body: any) => string);
    /** Delay of every unscripted answer (a model's think time). */ latencyMs?: number;
  } = {},
) {
  const script: FakeGroqStep[] = [];
  const requests: FakeGroqRequest[] = [];
  const transcripts: Array<string | { status: number }> = [];
  const transcriptions: FakeTranscription[] = [];
  const stalls = new Set<NodeJS.Timeout>();
  let defaultAnswer = opts.defaultAnswer ?? 'Olá! Como posso ajudar?';

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const contentType = req.headers['content-type'];
      let body: any = null;
      if (contentType?.includes('json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          body = raw.toString('utf8');
        }
      }
      const path = (req.url ?? '').split('?')[0]!;
      requests.push({ path, authorization: req.headers.authorization, body, contentType });
      const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      };
      if (path.endsWith('/audio/transcriptions')) {
        return void readTranscription(req.headers, raw).then(
          (t) => {
            if (!t.model || t.bytes.length === 0)
              return send(400, { error: { message: 'file and model are required', type: 'invalid_request_error' } });
            transcriptions.push(t);
            const next = transcripts.shift() ?? 'transcrição de teste';
            if (typeof next === 'object') return send(next.status, { error: { message: `scripted ${next.status}` } });
            send(200, t.responseFormat === 'text' ? next : { text: next });
          },
          () => send(400, { error: { message: 'malformed multipart body', type: 'invalid_request_error' } }),
        );
      }
      if (!path.endsWith('/chat/completions')) return send(404, { error: { message: 'not found' } });
      const step = script.shift();
      if (step && 'stallMs' in step) {
        const t = setTimeout(() => {
          stalls.delete(t);
          answer('(too late)');
        }, step.stallMs);
        stalls.add(t);
        return;
      }
      if (step && 'status' in step) {
        return send(
          step.status,
          step.body ?? { error: { message: `scripted ${step.status}`, type: 'test' } },
          step.retryAfter ? { 'retry-after': step.retryAfter } : {},
        );
      }
      if (step && 'empty' in step) return answer('');
      const text =
        step && 'answer' in step
          ? step.answer
          : typeof defaultAnswer === 'function'
            ? defaultAnswer(body)
            : defaultAnswer;
      const usage = step && 'answer' in step ? step.usage : undefined;
      if (!step && opts.latencyMs) setTimeout(() => answer(text, usage), opts.latencyMs);
      else answer(text, usage);

      function answer(content: string, usage?: { prompt_tokens: number; completion_tokens: number }) {
        const promptTokens =
          usage?.prompt_tokens ?? Math.ceil(JSON.stringify(body?.messages ?? '').length / 4);
        const completionTokens = usage?.completion_tokens ?? Math.ceil(content.length / 4);
        send(200, {
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body?.model ?? 'fake',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: completionTokens,
            total_tokens: promptTokens + completionTokens,
          },
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    script,
    requests,
    /** Texts (or error statuses) the next transcriptions answer; default "transcrição de teste". */
    transcripts,
    /** Every transcription call with its form fields and file. */
    transcriptions,
    /** Chat completion requests only. */
    get chats() {
      return requests.filter((r) => r.path.endsWith('/chat/completions'));
    },
    setDefaultAnswer(a: string | ((body: any) => string)) {
      defaultAnswer = a;
    },
    async close() {
      for (const t of stalls) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeGroq = Awaited<ReturnType<typeof startFakeGroq>>;

/** The multipart form of a transcription request: its fields and the file part. */
function readTranscription(headers: http.IncomingHttpHeaders, raw: Buffer): Promise<FakeTranscription> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: { name?: string; type?: string; chunks: Buffer[] } | null = null;
    const bb = busboy({ headers });
    bb.on('field', (k, v) => (fields[k] = v));
    bb.on('file', (_name, stream, info) => {
      const f = { name: info.filename, type: info.mimeType, chunks: [] as Buffer[] };
      file = f;
      stream.on('data', (c: Buffer) => f.chunks.push(c));
    });
    bb.on('close', () => {
      const f = file as { name?: string; type?: string; chunks: Buffer[] } | null;
      resolve({
        model: fields.model,
        language: fields.language,
        responseFormat: fields.response_format,
        fileName: f?.name,
        fileType: f?.type,
        bytes: Buffer.concat(f?.chunks ?? []),
      });
    });
    bb.on('error', reject);
    bb.end(raw);
  });
}
