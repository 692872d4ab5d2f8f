/** What parseWith needs from a schema: zod's safeParse (shared/'s schemas are zod). */
interface ContractSchema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/**
 * Parses a SQL function's result (or a socket payload) with its contract schema from shared/, so a
 * wrong shape fails the test that got it, naming the paths; returns the parsed, typed value.
 *
 * @example
 *   const convs = parseWith(conversationSchema.array(), await db.call('conversations_list', { accountId }));
 */
export function parseWith<T>(schema: ContractSchema<T>, result: unknown): T {
  const parsed = schema.safeParse(result);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map(
    (i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
  );
  throw new Error(
    `result does not match the shared contract:\n${issues.join('\n')}\nresult: ${JSON.stringify(result).slice(0, 1500)}`,
  );
}
