import WebSocket from 'ws';

/** Memory of a Motor process right after two full garbage collections, in bytes. */
export interface RetainedMemory {
  /** JavaScript objects still reachable: what a leak grows. */
  heapUsed: number;
  /** Memory held by C++ objects bound to JavaScript (Buffers and the like), also after GC. */
  external: number;
  rss: number;
}

/** The inspector's WebSocket address, from the line Node prints when started with `--inspect`. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

/**
 * Forces two full GCs inside a Motor started with `--expose-gc --inspect` and reads
 * `process.memoryUsage()` over the Chrome DevTools protocol. A leak shows as retained heap that
 * keeps rising; RSS alone also moves with V8's heap sizing, which grows lazily under load.
 */
export async function retainedMemory(url: string): Promise<RetainedMemory> {
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const answer = new Promise<string>((resolve, reject) => {
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { id?: number; result?: { result?: { value?: string } } };
        if (m.id !== 1) return;
        const value = m.result?.result?.value;
        if (typeof value === 'string') resolve(value);
        else reject(new Error(`inspector answered ${String(data).slice(0, 200)}`));
      });
    });
    ws.send(
      JSON.stringify({
        id: 1,
        method: 'Runtime.evaluate',
        params: { expression: 'gc(); gc(); JSON.stringify(process.memoryUsage())' },
      }),
    );
    const m = JSON.parse(await answer) as { heapUsed: number; external: number; rss: number };
    return { heapUsed: m.heapUsed, external: m.external, rss: m.rss };
  } finally {
    ws.close();
  }
}
