import { redirect } from '@sveltejs/kit';
import { api } from '$lib/api';
import type { LayoutLoad } from './$types';

/** Already logged in? Go straight to the app. */
export const load: LayoutLoad = async ({ url }) => {
  if (url.pathname.startsWith('/invite/')) return; // accepting an invite works while logged in too
  let loggedIn = false;
  try {
    await api.auth.me();
    loggedIn = true;
  } catch {
    // not logged in (or the Motor is unreachable): show the form
  }
  if (loggedIn) redirect(307, '/');
};
