import { describe, it } from 'vitest';

/**
 * `describe` when an outside service (PostgreSQL, Redis) answers. When it does not: on a dev laptop
 * the suite is skipped LOUDLY (a console warning and a skipped test that says why); under CI=true it
 * fails instead, so CI can never go green by skipping.
 *
 * @example
 *   const down = await postgresUnavailable();
 *   describeWithService(down, 'Postgres driver', () => { … });
 */
export function describeWithService(unavailableReason: string | null, name: string, body: () => void) {
  if (!unavailableReason) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it('needs its outside service', () => {
        throw new Error(`${unavailableReason} (CI=true: integration suites must not skip)`);
      });
    });
  }
  console.warn(`\n⚠️  SKIPPING "${name}": ${unavailableReason}\n`);
  return describe(name, () => {
    it.skip(`skipped: ${unavailableReason}`, () => {});
  });
}
