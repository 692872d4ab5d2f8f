import { z } from 'zod';

/**
 * Whether an ISO 8601 timestamp is one PostgreSQL can store and compare: a plain 4-digit year
 * from 0001 to 9999 (no year 0000, no expanded `+099999` / `-000001` years) that parses.
 *
 * @example
 *   isStorableTimestamp('2026-12-01T10:00:00Z'); // true
 *   isStorableTimestamp('0000-01-01T00:00:00Z'); // false
 */
export function isStorableTimestamp(v: string): boolean {
  return /^(?!0000)\d{4}-/.test(v) && !Number.isNaN(Date.parse(v));
}

/** An ISO 8601 timestamp with offset that the database can hold (list cursors, `before`). */
export const storableTimestampSchema = z.iso
  .datetime({ offset: true })
  .refine(isStorableTimestamp, { message: 'must be a date between the years 0001 and 9999' });
