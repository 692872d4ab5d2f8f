/**
 * Polls `read` every 25 ms until `ok` holds, and answers that value; after `timeoutMs` it fails
 * with the last value read, so a red test says what it saw.
 *
 * @example
 *   const s = await waitFor(() => status(id), (s) => s === 'connected');
 */
export async function waitFor<T>(
  read: () => Promise<T> | T,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until)
      throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(v)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
