import { redirect } from '@sveltejs/kit';
import { api, ApiError } from '$lib/api';
import { session } from '$lib/state/session.svelte';

/** Guard: no session → /login. Runs once per app load (it depends on nothing in the URL). */
export async function load() {
  try {
    const me = await api.auth.me();
    session.me = me;
    return { me };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'unauthenticated') redirect(307, '/login');
    throw err;
  }
}
