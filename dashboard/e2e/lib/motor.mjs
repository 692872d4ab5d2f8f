// Starts the real built Motor (motor/dist/main.js) on free ports with a throw-away DATA_DIR,
// or the mock Motor for UI work without a server.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** Builds shared + dashboard + Motor when an artifact is missing (or E2E_BUILD=1). */
export function ensureBuilt() {
  const need = [path.join(root, 'motor/dist/main.js'), path.join(root, 'dashboard/build/index.html')];
  if (process.env.E2E_BUILD !== '1' && need.every((f) => existsSync(f))) return;
  console.log('building (npm run build)…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/** @param {{mock?: boolean, env?: Record<string,string>}} opts */
export async function startMotor({ mock = false, env = {} } = {}) {
  if (mock) {
    const { startMock } = await import('../mock-motor.mjs');
    const m = await startMock({ port: await freePort() });
    return { url: `http://127.0.0.1:${m.port}`, simulatorUrl: null, stop: m.close, logs: () => '' };
  }
  ensureBuilt();
  const port = await freePort();
  const simPort = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atende-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  let logs = '';
  const child = spawn(process.execPath, ['motor/dist/main.js'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      SIMULATOR_PORT: String(simPort),
      DATA_DIR: dataDir,
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      // Every spec signs up its own accounts from 127.0.0.1: the per-IP signup limit would stop them.
      SIGNUP_RATE_LIMIT: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (logs += d));
  child.stderr.on('data', (d) => (logs += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Motor exited (${child.exitCode}):\n${logs.slice(-3000)}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Motor not ready after 60 s:\n${logs.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    simulatorUrl: `http://127.0.0.1:${simPort}`,
    dataDir,
    logs: () => logs,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
