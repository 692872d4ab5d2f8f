import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { inspectorUrl, retainedMemory, type RetainedMemory } from './motor-inspector.js';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './load.js';

/**
 * The Motor as a real child process (`node motor/dist/main.js`), for benchmarks and for the
 * reliability tests that kill it: spawn with an env, wait for /healthz, kill -9, restart on the
 * same database, sample its RSS. The compiled entry point is what `npm start` runs, so the
 * process under test is the product, not a test double.
 */

const motorDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const repoDir = path.resolve(motorDir, '..');
export const MOTOR_ENTRY = path.join(motorDir, 'dist/main.js');

/**
 * Builds shared/ and motor/ when their sources changed since the last build (the same
 * scripts/build-once.mjs `npm start` runs), so a test never runs a stale Motor. Throws with the
 * build's output when it fails.
 *
 * @example
 *   ensureMotorBuilt(); // in beforeAll, before startMotor()
 */
export function ensureMotorBuilt(): void {
  const r = spawnSync(process.execPath, [path.join(repoDir, 'scripts/build-once.mjs'), 'shared', 'motor'], {
    cwd: repoDir,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building shared and motor failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Every Motor child still running. If the test process ends without reaching its afterAll (a hook
 * timeout, a crash, vitest tearing the worker down), they are SIGKILLed on the way out, so no test
 * ever leaves a Motor behind holding a port and database connections.
 */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess) {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
  });
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface MotorProcessOptions {
  /** Extra environment (DATABASE_URL, DATA_DIR, REDIS_URL, WEBHOOK_TOKEN, …). PORT is chosen unless given. */
  env?: Record<string, string | undefined>;
  /** How long to wait for /healthz (PGlite needs 3–4 s and more on a busy machine). */
  startTimeoutMs?: number;
  /** Also wait for /readyz (the database answers) before resolving. Default true. */
  waitReady?: boolean;
  /** Start with `--expose-gc --inspect` on a free port, so `retainedMemory()` can measure the heap. */
  inspect?: boolean;
  /** Extra node flags (benches: `--cpu-prof --cpu-prof-dir=…` to profile the Motor under load). */
  nodeArgs?: string[];
}

export interface MotorProcess {
  readonly url: string;
  readonly port: number;
  /** The pid of the current incarnation. */
  readonly pid: number;
  /** Everything the process wrote (stdout + stderr, all incarnations), for diagnostics. */
  output(): string;
  /** Resident set size of the process in bytes (Linux /proc), or NaN when unknown. */
  rss(): number;
  /** Memory left after two full GCs; needs `inspect: true`. */
  retainedMemory(): Promise<RetainedMemory>;
  /** Whether the current incarnation has exited, and how. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** SIGKILL, no shutdown hooks: what a crash or an OOM kill does. Resolves once it is gone. */
  kill9(): Promise<void>;
  /** Starts a new incarnation on the same port and environment (same database). */
  restart(): Promise<void>;
  /** SIGTERM then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns the compiled Motor and waits until it answers /healthz (and /readyz).
 *
 * @example
 *   ensureMotorBuilt();
 *   const motor = await startMotor({ env: { DATABASE_URL: url, WEBHOOK_TOKEN: 't' } });
 *   await motor.kill9();
 *   await motor.restart();
 */
export async function startMotor(opts: MotorProcessOptions = {}): Promise<MotorProcess> {
  let port = opts.env?.PORT ? Number(opts.env.PORT) : await freePort();
  const simulatorPort = opts.env?.SIMULATOR_PORT ?? String(await freePort());
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    ...process.env,
    NODE_ENV: 'production',
    EVOLUTION_SIMULATOR: 'true', // production refuses the simulator unless asked for (config.ts)
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    SIMULATOR_PORT: simulatorPort,
    ...opts.env,
    PORT: String(port),
  })) {
    if (v !== undefined) env[k] = v;
  }
  let url = `http://127.0.0.1:${port}`;
  let out = '';
  let child: ChildProcess;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let exitedPromise: Promise<void>;

  const spawnOne = async () => {
    exit = null;
    const nodeArgs = [...(opts.inspect ? ['--expose-gc', '--inspect=127.0.0.1:0'] : []), ...(opts.nodeArgs ?? [])];
    child = spawn(process.execPath, [...nodeArgs, MOTOR_ENTRY], { cwd: repoDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    const append = (b: Buffer) => {
      out += b.toString('utf8');
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    exitedPromise = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        resolve();
      }),
    );
    // A Motor that exits while starting fails the wait at once (waitUntil would retry a thrown
    // error until its deadline); a probe that hangs is cut after 5 s.
    const probe = async (p: string) => {
      if (exit) return 'exited';
      return fetch(url + p, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.status === 200,
        () => false,
      );
    };
    const whileRunning = async (p: string) => {
      const r = await probe(p);
      if (r === 'exited') throw new Error(`the Motor exited (${JSON.stringify(exit)}) while starting`);
      return r;
    };
    const timeoutMs = opts.startTimeoutMs ?? 90_000;
    try {
      const deadline = Date.now() + timeoutMs;
      for (const p of opts.waitReady === false ? ['/healthz'] : ['/healthz', '/readyz']) {
        for (;;) {
          if (await whileRunning(p)) break;
          if (Date.now() > deadline)
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${url}${p}`);
          await sleep(50);
        }
      }
    } catch (err) {
      // Never leave a half-started Motor behind: the caller has no handle to stop it.
      if (!exit) {
        child.kill('SIGKILL');
        await exitedPromise;
      }
      throw new Error(`${(err as Error).message}\n--- Motor output ---\n${out.slice(-4000)}`, { cause: err });
    }
  };

  // A port from freePort() is free when chosen but not reserved: if something else took it before
  // the Motor bound it, start again on fresh ports (first start only; a restart must keep its URL).
  for (let attempt = 1; ; attempt++) {
    try {
      await spawnOne();
      break;
    } catch (err) {
      const portTaken = /EADDRINUSE/.test((err as Error).message);
      if (!portTaken || attempt >= 3 || opts.env?.PORT) throw err;
      port = await freePort();
      url = `http://127.0.0.1:${port}`;
      env.PORT = String(port);
      if (!opts.env?.SIMULATOR_PORT) env.SIMULATOR_PORT = String(await freePort());
    }
  }

  const proc: MotorProcess = {
    get url() {
      return url;
    },
    get port() {
      return port;
    },
    get pid() {
      return child.pid ?? -1;
    },
    output: () => out,
    rss() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : NaN;
      } catch {
        return NaN;
      }
    },
    async retainedMemory() {
      const url = inspectorUrl(out.slice(out.lastIndexOf('Debugger listening on')));
      if (!opts.inspect || !url) throw new Error('retainedMemory() needs a Motor started with inspect: true');
      return retainedMemory(url);
    },
    exited: () => exit,
    async kill9() {
      if (exit) return;
      child.kill('SIGKILL');
      await exitedPromise;
    },
    async restart() {
      if (!exit) await proc.stop();
      await spawnOne();
    },
    async stop(graceMs = 5000) {
      if (exit) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(t);
    },
  };
  return proc;
}
