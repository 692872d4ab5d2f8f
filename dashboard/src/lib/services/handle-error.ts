import { goto } from '$app/navigation';
import { ApiError } from '$lib/api';
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
