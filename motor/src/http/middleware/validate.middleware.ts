import type { Middleware, ParameterizedContext } from 'koa';
import type { z } from 'zod';
import { AppError } from '../../errors.js';

type Target = 'body' | 'query' | 'params';
type Schemas = Partial<Record<Target, z.ZodType>>;

/** Parsed inputs, by target, for handlers after `validate(...)`. */
export interface Valid {
  body?: unknown;
  query?: unknown;
  params?: unknown;
}

/**
 * Validates body, query and route params with zod schemas from `@atende/shared`. Handlers read
 * only parsed values from `ctx.state.valid`; any issue answers 400 `validation_failed` with the
 * zod issues (path + message) in `details`.
 *
 * @example
 *   router.post('/api/auth/login', validate({ body: loginBodySchema }), (ctx) => {
 *     const body = ctx.state.valid.body as LoginBody;
 *   });
 */
export function validate(schemas: Schemas): Middleware {
  return async function validateMiddleware(ctx, next) {
    const valid: Valid = {};
    for (const target of ['params', 'query', 'body'] as const) {
      const schema = schemas[target];
      if (!schema) continue;
      const input = target === 'body' ? ctx.request.body : target === 'query' ? ctx.query : paramsOf(ctx);
      const result = schema.safeParse(input ?? (target === 'body' ? undefined : {}));
      if (!result.success) {
        throw new AppError(
          'validation_failed',
          `invalid ${target}`,
          result.error.issues.map((i) => issueDetail(target, i)),
        );
      }
      valid[target] = result.data;
    }
    ctx.state.valid = valid;
    return next();
  };
}

const paramsOf = (ctx: ParameterizedContext) =>
  (ctx as unknown as { params?: Record<string, string> }).params ?? {};

/** Reads a parsed input with its type. @example const body = input(ctx, 'body', signupBodySchema) */
export function input<S extends z.ZodType>(
  ctx: ParameterizedContext,
  target: Target,
  _schema: S,
): z.infer<S> {
  return (ctx.state.valid as Valid)[target] as z.infer<S>;
}

/**
 * One zod issue as `details` carries it: the field path (`body.email`), the English message, and
 * the issue's code with its limit or format, so clients can word it in their own language.
 */
export function issueDetail(target: string, i: z.core.$ZodIssue): Record<string, unknown> {
  const d: Record<string, unknown> = {
    path: [target, ...i.path.map(String)].join('.'),
    message: i.message,
    code: i.code,
  };
  if (i.code === 'too_small') d.minimum = Number(i.minimum);
  if (i.code === 'too_big') d.maximum = Number(i.maximum);
  if (i.code === 'invalid_format') d.format = i.format;
  // A custom rule's stable reason (e.g. a phone number's `area_code`), for the client's wording.
  if (i.code === 'custom' && typeof i.params?.reason === 'string') d.reason = i.params.reason;
  return d;
}
