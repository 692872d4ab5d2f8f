// Browser end-to-end tests, driving Debian's Chromium through playwright-core.
//   node e2e/run.mjs              → every spec in e2e/specs/ against the real built Motor
//   node e2e/run.mjs --only inbox → only specs whose file name contains "inbox" (repeatable, or comma-separated)
//   node e2e/run.mjs --mock       → the core spec against e2e/mock-motor.mjs (UI work without the Motor)
// Each spec is `export default async function (t) { await t.step(name, fn) }`; a spec that needs its
// own Motor settings exports `motorEnv` (an object, or an async function returning {env, close?}).
// A failed step skips the rest of ITS spec only. Screenshots go to e2e/output/.
// The last line is "N passed, N failed".
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { startMotor } from './lib/motor.mjs';
import { toolkit } from './lib/toolkit.mjs';

/**
 * @typedef {ReturnType<typeof toolkit> & {
 *   step: (name: string, fn: () => Promise<void>) => Promise<void>,
 *   motor: {url: string, simulatorUrl: string|null, logs: () => string},
 *   browser: import('playwright-core').Browser, out: string, TIMEOUT: number,
 * }} T
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'output');
mkdirSync(out, { recursive: true });
const argv = process.argv.slice(2);
const useMock = argv.includes('--mock') || process.env.E2E_MOCK === '1';
const only = argv.flatMap((a, i) => (argv[i - 1] === '--only' ? a.split(',') : []));
const TIMEOUT = Number(process.env.E2E_TIMEOUT ?? 15000);

const specDir = path.join(here, 'specs');
const specFiles = readdirSync(specDir)
  .filter((f) => f.endsWith('.spec.mjs'))
  .filter((f) => (useMock ? f === 'core.spec.mjs' : only.length === 0 || only.some((o) => f.includes(o))))
  .sort((a, b) => (a === 'core.spec.mjs' ? -1 : b === 'core.spec.mjs' ? 1 : a.localeCompare(b)));

const results = [];

async function runSpec(file, browser, sharedMotor) {
  const mod = await import(pathToFileURL(path.join(specDir, file)).href);
  const name = file.replace(/\.spec\.mjs$/, '');
  console.log(`\n${name}`);
  let own = null;
  let motor = sharedMotor;
  let broken = false;
  const step = async (stepName, fn) => {
    const label = `${name} › ${stepName}`;
    if (broken) {
      results.push({ name: label, ok: false, skipped: true });
      console.log(`  - ${stepName} (skipped)`);
      return;
    }
    const t0 = Date.now();
    try {
      await fn();
      results.push({ name: label, ok: true });
      console.log(`  ✓ ${stepName} (${Date.now() - t0} ms)`);
    } catch (err) {
      results.push({ name: label, ok: false });
      broken = true;
      console.log(
        `  ✗ ${stepName}\n    ${String(err?.stack ?? err)
          .split('\n')
          .slice(0, 6)
          .join('\n    ')}`,
      );
    }
  };
  const contexts = [];
  try {
    if (mod.motorEnv) {
      own = typeof mod.motorEnv === 'function' ? await mod.motorEnv() : { env: mod.motorEnv };
      motor = await startMotor({ env: own.env });
    }
    const kit = toolkit({ browser, motor, out, TIMEOUT });
    const newPage = async (opts) => {
      const page = await kit.newPage(opts);
      contexts.push(page.context());
      return page;
    };
    await mod.default({ ...kit, newPage, step, motor, browser, out, TIMEOUT });
  } catch (err) {
    console.log(`  ✗ ${name} setup failed: ${err?.stack ?? err}`);
    results.push({ name: `${name} › setup`, ok: false });
    broken = true;
  } finally {
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    if (broken && motor?.logs) console.log(`  --- Motor log tail ---\n${motor.logs().slice(-2500)}`);
    if (own) {
      await motor?.stop?.().catch(() => {});
      await own.close?.().catch(() => {});
    }
  }
}

let motor;
let browser;
try {
  motor = await startMotor({ mock: useMock });
  console.log(
    `e2e against ${useMock ? 'the mock Motor' : 'the Motor'} at ${motor.url}: ${specFiles.length} spec(s)`,
  );
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
  for (const file of specFiles) await runSpec(file, browser, motor);
} catch (err) {
  console.log(`setup failed: ${err?.stack ?? err}`);
  results.push({ name: 'setup', ok: false });
} finally {
  await browser?.close().catch(() => {});
  await motor?.stop().catch(() => {});
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
