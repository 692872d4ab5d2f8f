import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchInstance } from '../../test/support/load-fixture.js';

const motorDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Starts bench/naive-main.ts in a child process on `db` (a PGlite directory or a postgres:// URL).
 *
 * @example
 *   const naive = await startNaiveProcess({ db: pgliteDir, instances });
 *   await httpIngest({ url: naive.url, … }); console.log(cpuMs(naive.pid));
 *   await naive.stop();
 */
export async function startNaiveProcess(o: { db: string; instances: readonly BenchInstance[]; nodeArgs?: string[] }) {
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', path.join(motorDir, 'bench/naive-main.ts')], {
    cwd: motorDir,
    env: { ...process.env, NAIVE_DB: o.db, NAIVE_INSTANCES: JSON.stringify(o.instances) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`naive server did not start: ${out.slice(-2000)}`)), 120_000);
    const onData = (b: Buffer) => {
      out += b.toString('utf8');
      const m = /listening (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`naive server exited (${code}): ${out.slice(-2000)}`));
    });
  });
  const exited = once(child, 'exit');
  return {
    url,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
