import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('defaults to the embedded database and the simulator', () => {
    const c = loadConfig({});
    expect(c.database).toEqual({ driver: 'pglite', dataDir: './data' });
    expect(c.evolution).toEqual({ mode: 'simulator', port: 8081, createDelayMs: 5_000, timeoutMs: 15_000 });
    expect(c.publicUrl).toBe('http://127.0.0.1:3000');
    expect(c.groq).toBeNull();
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ EVOLUTION_API_URL: 'http://evo:8080' })).toThrow(/EVOLUTION_API_KEY/);
    expect(() => loadConfig({ SESSION_SECRET: 'short' })).toThrow(/SESSION_SECRET/);
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /SESSION_SECRET: required when REDIS_URL/,
    );
  });

  it('uses Postgres when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database).toEqual({
      driver: 'postgres',
      url: 'postgres://u@h/db',
    });
  });
});
