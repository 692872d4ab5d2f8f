import { goto } from '$app/navigation';
import { api } from '$lib/api';
import { session } from '$lib/state/session.svelte';
import { stopLive } from './live.service';

/** Logs out (server first, then forget everything locally) and goes to /login. */
export async function logout(): Promise<void> {
  try {
    await api.auth.logout();
  } catch {
    // the cookie may already be gone: leave anyway
  }
  stopLive();
  session.me = null;
  await goto('/login');
}
