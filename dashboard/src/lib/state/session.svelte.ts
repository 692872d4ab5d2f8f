import type { Me } from '@atende/shared';

class Session {
  me = $state.raw<Me | null>(null);

  get user() {
    return this.me?.user ?? null;
  }

  get canManage(): boolean {
    const role = this.me?.user.role;
    return role === 'owner' || role === 'admin';
  }
}

/** Who is logged in (set by the (app) layout's load). */
export const session = new Session();
