import { goto } from '$app/navigation';
import { ApiError, type FieldIssue } from '$lib/api';
import { t, type MessageKey } from '$lib/i18n/index.svelte';
import { toasts } from '$lib/state/toasts.svelte';

/** The localized sentence for an error's code (never the server's raw message). */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'rate_limited' && error.retryAfter)
      return t('auth.login.rateLimited', { seconds: error.retryAfter });
    return t(`error.${error.code}` as MessageKey) ?? t('error.generic');
  }
  return t('error.generic');
}

/**
 * The one error handler for UI actions: a lost session goes to /login, everything else becomes a
 * toast "<what failed>: <why>" and a console entry.
 *
 * @example
 * try { await inbox.update(id, { status: 'resolved' }) } catch (e) { handleError(e, t('thread.resolve')) }
 */
export function handleError(error: unknown, message?: string): void {
  console.error(message ?? 'error', error);
  if (error instanceof ApiError && error.code === 'unauthenticated') {
    void goto('/login');
    return;
  }
  const why = errorText(error);
  toasts.push('error', message ? `${message}: ${why}` : why);
}

/**
 * A zod issue in the agent's language, from its code (the Motor sends code, limit and format);
 * never the validator's English text: an unknown issue is a translated "invalid value".
 */
export function issueText(issue: FieldIssue): string {
  if (issue.format === 'email' || (!issue.code && /email/i.test(issue.message))) return t('issue.email');
  if (issue.message === 'too common') return t('issue.passwordCommon');
  if (issue.message === 'must not be only spaces') return t('issue.passwordBlank');
  if (issue.message === 'must not contain control characters') return t('issue.passwordControl');
  if (issue.code === 'too_small' && issue.minimum !== undefined)
    return issue.minimum <= 1 ? t('common.required') : t('issue.tooShort', { min: issue.minimum });
  if (issue.code === 'too_big' && issue.maximum !== undefined)
    return t('issue.tooLong', { max: issue.maximum });
  if (issue.code === 'invalid_type' || /required/i.test(issue.message)) return t('common.required');
  return t('issue.invalid');
}

/** Field → message map for a `validation_failed` error (first issue per field). */
export function fieldErrors(error: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of error.fieldIssues) out[i.field] ??= issueText(i);
  return out;
}
