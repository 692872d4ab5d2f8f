// Checks render.yaml and netlify.toml without a platform account: each file is parsed and every
// key is checked against the keys the platform documents (Render's Blueprint YAML reference,
// Netlify's file-based configuration reference), then against what Atende needs from them (the
// Motor's health check, Evolution 2.3.x with its receipts and telemetry settings, secrets never
// committed, the SPA fallback, the security headers). Each check is one test; the last line is
// "N passed, N failed" (counted by .ci/run).
//   node scripts/check-deploy-config.mjs [render.yaml] [netlify.toml]
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const renderFile = process.argv[2] ?? path.join(root, 'render.yaml');
const netlifyFile = process.argv[3] ?? path.join(root, 'netlify.toml');

// --- the documented key sets ----------------------------------------------------------------
// Render Blueprint YAML reference (render.com/docs/blueprint-spec).
const RENDER = {
  root: ['services', 'databases', 'envVarGroups', 'projects', 'ungrouped', 'previews', 'version'],
  serviceTypes: ['web', 'pserv', 'worker', 'cron', 'keyvalue', 'redis'],
  runtimes: ['docker', 'image', 'node', 'python', 'ruby', 'go', 'rust', 'elixir', 'static'],
  service: [
    'type',
    'name',
    'runtime',
    'env',
    'plan',
    'region',
    'repo',
    'branch',
    'rootDir',
    'image',
    'dockerfilePath',
    'dockerContext',
    'dockerCommand',
    'registryCredential',
    'buildCommand',
    'startCommand',
    'preDeployCommand',
    'healthCheckPath',
    'numInstances',
    'scaling',
    'envVars',
    'autoDeploy',
    'autoDeployTrigger',
    'buildFilter',
    'disk',
    'domains',
    'initialDeployHook',
    'maxShutdownDelaySeconds',
    'staticPublishPath',
    'headers',
    'routes',
    'previews',
    'pullRequestPreviewsEnabled',
    'schedule',
    'ipAllowList',
    'maxmemoryPolicy',
    'buildPlan',
  ],
  image: ['url', 'creds'],
  disk: ['name', 'mountPath', 'sizeGB'],
  scaling: ['minInstances', 'maxInstances', 'targetMemoryPercent', 'targetCPUPercent'],
  envVar: [
    'key',
    'value',
    'generateValue',
    'sync',
    'fromDatabase',
    'fromService',
    'fromGroup',
    'previewValue',
  ],
  fromDatabase: ['name', 'property'],
  databaseProperties: ['connectionString', 'host', 'port', 'user', 'password', 'database'],
  fromService: ['type', 'name', 'property', 'envVarKey'],
  serviceProperties: ['host', 'port', 'hostport', 'connectionString'],
  database: [
    'name',
    'databaseName',
    'user',
    'plan',
    'previewPlan',
    'region',
    'postgresMajorVersion',
    'ipAllowList',
    'diskSizeGB',
    'highAvailability',
    'readReplicas',
  ],
};
// Netlify file-based configuration (docs.netlify.com/configure-builds/file-based-configuration).
const NETLIFY = {
  root: [
    'build',
    'context',
    'redirects',
    'headers',
    'functions',
    'edge_functions',
    'plugins',
    'dev',
    'images',
    'template',
  ],
  build: ['base', 'publish', 'command', 'functions', 'edge_functions', 'environment', 'processing', 'ignore'],
  redirect: ['from', 'to', 'status', 'force', 'query', 'conditions', 'headers', 'signed'],
  header: ['for', 'values'],
};

// --- a tiny runner ---------------------------------------------------------------------------
let passed = 0;
let failed = 0;
const check = (name, fn) => {
  try {
    const problems = fn() ?? [];
    if (problems.length) throw new Error(problems.join('\n      '));
    passed++;
    console.log(`  ✓ ${name}`);
  } catch (err) {
    failed++;
    console.log(`  ✗ ${name}\n      ${err.message}`);
  }
};
const unknownKeys = (obj, allowed, where) =>
  obj && typeof obj === 'object'
    ? Object.keys(obj)
        .filter((k) => !allowed.includes(k))
        .map((k) => `${where}: unknown key "${k}"`)
    : [`${where}: not an object`];

// --- render.yaml -----------------------------------------------------------------------------
console.log(path.relative(root, renderFile));
let render;
check('parses as YAML', () => {
  render = parseYaml(readFileSync(renderFile, 'utf8'));
  if (!render || typeof render !== 'object') return ['empty'];
});
render ??= {};
const services = Array.isArray(render.services) ? render.services : [];
const databases = Array.isArray(render.databases) ? render.databases : [];
const byName = (name) => services.find((s) => s.name === name);

check('uses only documented keys (root, services, env vars, disks, databases)', () => {
  const out = unknownKeys(render, RENDER.root, 'root');
  for (const s of services) {
    const at = `services[${s.name}]`;
    out.push(...unknownKeys(s, RENDER.service, at));
    if (!RENDER.serviceTypes.includes(s.type))
      out.push(`${at}: type "${s.type}" is not one of ${RENDER.serviceTypes}`);
    if (s.runtime && !RENDER.runtimes.includes(s.runtime)) out.push(`${at}: runtime "${s.runtime}" unknown`);
    if (s.image) out.push(...unknownKeys(s.image, RENDER.image, `${at}.image`));
    if (s.disk) out.push(...unknownKeys(s.disk, RENDER.disk, `${at}.disk`));
    if (s.scaling) out.push(...unknownKeys(s.scaling, RENDER.scaling, `${at}.scaling`));
    for (const e of s.envVars ?? []) {
      const ea = `${at}.envVars[${e.key}]`;
      out.push(...unknownKeys(e, RENDER.envVar, ea));
      const sources = ['value', 'generateValue', 'sync', 'fromDatabase', 'fromService', 'fromGroup'].filter(
        (k) => k in e,
      );
      if (!e.fromGroup && !e.key) out.push(`${ea}: no key`);
      if (sources.length !== 1)
        out.push(`${ea}: needs exactly one source, has ${sources.join(', ') || 'none'}`);
      if ('value' in e && typeof e.value !== 'string')
        out.push(`${ea}: value must be a string (quote numbers and booleans)`);
      if ('sync' in e && e.sync !== false) out.push(`${ea}: sync must be false`);
      if (e.fromDatabase) {
        out.push(...unknownKeys(e.fromDatabase, RENDER.fromDatabase, `${ea}.fromDatabase`));
        if (!RENDER.databaseProperties.includes(e.fromDatabase.property))
          out.push(`${ea}: fromDatabase.property unknown`);
        if (!databases.some((d) => d.name === e.fromDatabase.name))
          out.push(`${ea}: no database "${e.fromDatabase.name}"`);
      }
      if (e.fromService) {
        const f = e.fromService;
        out.push(...unknownKeys(f, RENDER.fromService, `${ea}.fromService`));
        if (!!f.property === !!f.envVarKey) out.push(`${ea}: fromService needs property or envVarKey (one)`);
        if (f.property && !RENDER.serviceProperties.includes(f.property))
          out.push(`${ea}: fromService.property unknown`);
        const target = byName(f.name);
        if (!target) out.push(`${ea}: no service "${f.name}"`);
        else if (target.type !== f.type)
          out.push(`${ea}: service "${f.name}" is ${target.type}, not ${f.type}`);
        if (f.envVarKey && target && !(target.envVars ?? []).some((x) => x.key === f.envVarKey))
          out.push(`${ea}: "${f.name}" has no env var ${f.envVarKey}`);
      }
    }
  }
  for (const d of databases) out.push(...unknownKeys(d, RENDER.database, `databases[${d.name}]`));
  return out;
});

check('has the required fields per service type', () => {
  const out = [];
  for (const s of services) {
    if (!s.name || !s.type) out.push(`a service without name/type`);
    if (['web', 'pserv', 'worker', 'cron'].includes(s.type) && !s.runtime)
      out.push(`${s.name}: runtime missing`);
    if (s.runtime === 'image' && !s.image?.url) out.push(`${s.name}: runtime image needs image.url`);
    if (s.type === 'keyvalue' && !Array.isArray(s.ipAllowList))
      out.push(`${s.name}: Key Value needs ipAllowList`);
    if (s.type === 'cron' && !s.schedule) out.push(`${s.name}: cron needs schedule`);
  }
  if (new Set(services.map((s) => s.name)).size !== services.length) out.push('duplicate service names');
  return out;
});

const motor = services.find((s) => s.type === 'web' && s.runtime === 'docker');
const envOf = (s) => Object.fromEntries((s?.envVars ?? []).map((e) => [e.key, e]));

check(
  'the Motor: Docker web service from docker/Dockerfile, health check /readyz, 2+ instances with Redis',
  () => {
    if (!motor) return ['no Docker web service'];
    const out = [];
    if (motor.healthCheckPath !== '/readyz') out.push(`healthCheckPath is ${motor.healthCheckPath}`);
    if (!existsSync(path.join(root, motor.dockerfilePath ?? '')))
      out.push(`dockerfilePath ${motor.dockerfilePath} does not exist`);
    const env = envOf(motor);
    if ((motor.numInstances ?? 1) >= 2 && !env.REDIS_URL?.fromService)
      out.push('several instances need REDIS_URL from Key Value');
    if ((motor.numInstances ?? 1) >= 2 && !env.SESSION_SECRET)
      out.push('several instances need one SESSION_SECRET');
    if (env.NODE_ENV?.value !== 'production') out.push('NODE_ENV must be production');
    if (!env.EVOLUTION_API_URL)
      out.push('EVOLUTION_API_URL missing (production refuses to start without it)');
    if (!env.TRUST_PROXY) out.push("TRUST_PROXY missing (Render's proxy would be every client's IP)");
    return out;
  },
);

check("the Motor's variables are all ones it reads (.env.example)", () => {
  const known = new Set(
    [...readFileSync(path.join(root, '.env.example'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
      (m) => m[1],
    ),
  );
  return Object.keys(envOf(motor))
    .filter((k) => !known.has(k))
    .map((k) => `${k} is not a Motor variable`);
});

check(
  'Evolution 2.3.x: private service, its own database, receipts saved, telemetry off, webhook events',
  () => {
    const evo = services.find((s) => /evolution-api/.test(s.image?.url ?? ''));
    if (!evo) return ['no Evolution API service'];
    const out = [];
    if (evo.type !== 'pserv') out.push(`Evolution must be a private service, is ${evo.type}`);
    if (!/:v?2\.3\.\d+$/.test(evo.image.url)) out.push(`image ${evo.image.url} is not 2.3.x`);
    const env = envOf(evo);
    const want = {
      DATABASE_SAVE_DATA_NEW_MESSAGE: 'true',
      TELEMETRY_ENABLED: 'false',
      WEBHOOK_GLOBAL_ENABLED: 'false',
    };
    for (const [k, v] of Object.entries(want)) if (env[k]?.value !== v) out.push(`${k} must be "${v}"`);
    for (const ev of [
      'QRCODE_UPDATED',
      'CONNECTION_UPDATE',
      'MESSAGES_UPSERT',
      'MESSAGES_UPDATE',
      'MESSAGES_DELETE',
      'SEND_MESSAGE',
      'CONTACTS_UPSERT',
      'GROUPS_UPSERT',
    ])
      if (env[`WEBHOOK_EVENTS_${ev}`]?.value !== 'true') out.push(`WEBHOOK_EVENTS_${ev} must be "true"`);
    if (!env.DATABASE_CONNECTION_URI?.fromDatabase)
      out.push('DATABASE_CONNECTION_URI must come from its own Render database');
    const motorEnv = envOf(motor);
    for (const [k, e] of Object.entries(motorEnv))
      if (e.fromDatabase?.name === env.DATABASE_CONNECTION_URI?.fromDatabase?.name)
        out.push(`the Motor reaches Evolution's database through ${k}`);
    if (motorEnv.EVOLUTION_API_KEY?.fromService?.name !== evo.name)
      out.push("EVOLUTION_API_KEY should be Evolution's own key (fromService)");
    return out;
  },
);

check(
  'no secret is committed: keys, secrets, passwords and URLs with credentials are sync:false, generated or wired',
  () => {
    const out = [];
    for (const s of services) {
      for (const e of s.envVars ?? []) {
        if (
          /(API_KEY|ROLE_KEY|ANON_KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL|_URI)$/.test(e.key) &&
          'value' in e
        )
          out.push(`${s.name}.${e.key} has a literal value`);
        if (typeof e.value === 'string' && /:\/\/[^/\s]*:[^/\s]*@/.test(e.value))
          out.push(`${s.name}.${e.key} has credentials in a URL`);
      }
    }
    return out;
  },
);

// --- netlify.toml ----------------------------------------------------------------------------
console.log(path.relative(root, netlifyFile));
let netlify;
check('parses as TOML', () => {
  netlify = parseToml(readFileSync(netlifyFile, 'utf8'));
});
netlify ??= {};

check('uses only documented keys (root, build, redirects, headers)', () => {
  const out = unknownKeys(netlify, NETLIFY.root, 'root');
  if (netlify.build) out.push(...unknownKeys(netlify.build, NETLIFY.build, 'build'));
  for (const [i, r] of (netlify.redirects ?? []).entries())
    out.push(...unknownKeys(r, NETLIFY.redirect, `redirects[${i}]`));
  for (const [i, h] of (netlify.headers ?? []).entries()) {
    out.push(...unknownKeys(h, NETLIFY.header, `headers[${i}]`));
    if (typeof h.for !== 'string') out.push(`headers[${i}]: "for" missing`);
    for (const [k, v] of Object.entries(h.values ?? {}))
      if (typeof v !== 'string') out.push(`headers[${i}].${k}: not a string`);
  }
  for (const [i, r] of (netlify.redirects ?? []).entries()) {
    if (typeof r.from !== 'string' || typeof r.to !== 'string') out.push(`redirects[${i}]: from/to missing`);
    if (r.status !== undefined && !Number.isInteger(r.status))
      out.push(`redirects[${i}]: status must be an integer`);
  }
  return out;
});

check("build: publishes the dashboard's static build and writes its runtime settings", () => {
  const out = [];
  const svelteConfig = readFileSync(path.join(root, 'dashboard/svelte.config.js'), 'utf8');
  if (netlify.build?.publish !== 'dashboard/build') out.push(`publish is ${netlify.build?.publish}`);
  if (!/adapter-static/.test(svelteConfig)) out.push('the dashboard is not built with adapter-static');
  if (!/npm run build -w dashboard/.test(netlify.build?.command ?? ''))
    out.push('the command does not build the dashboard');
  if (!/write-env\.mjs/.test(netlify.build?.command ?? ''))
    out.push('the command does not write env.js (MOTOR_URL)');
  if (!existsSync(path.join(root, 'dashboard/scripts/write-env.mjs')))
    out.push('dashboard/scripts/write-env.mjs missing');
  return out;
});

check('SPA fallback: every path serves index.html with 200', () => {
  const ok = (netlify.redirects ?? []).some(
    (r) => r.from === '/*' && r.to === '/index.html' && r.status === 200,
  );
  return ok ? [] : ['no /* → /index.html 200 redirect'];
});

check("security headers on every page: frame-ancestors 'none', nosniff, a referrer policy", () => {
  const all = (netlify.headers ?? []).find((h) => h.for === '/*')?.values ?? {};
  const out = [];
  if (!/frame-ancestors 'none'/.test(all['Content-Security-Policy'] ?? ''))
    out.push("CSP without frame-ancestors 'none'");
  if (all['X-Content-Type-Options'] !== 'nosniff') out.push('no nosniff');
  if (!all['Referrer-Policy']) out.push('no Referrer-Policy');
  if (/script-src/.test(all['Content-Security-Policy'] ?? ''))
    out.push("script-src in the header would block SvelteKit's hashed inline script");
  return out;
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
