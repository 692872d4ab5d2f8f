import type { Api, TeamUser } from '$lib/api';

/** The account's team (assignee names and the team settings page). */
export class TeamStore {
  users = $state.raw<TeamUser[]>([]);
  loaded = $state(false);
  readonly #api: Pick<Api, 'users'>;

  constructor(api: Pick<Api, 'users'>) {
    this.#api = api;
  }

  name(id: string | null | undefined): string | null {
    if (!id) return null;
    return this.users.find((u) => u.id === id)?.name ?? null;
  }

  async load(): Promise<void> {
    this.users = await this.#api.users.list();
    this.loaded = true;
  }

  put(user: TeamUser): void {
    const at = this.users.findIndex((u) => u.id === user.id);
    this.users = at === -1 ? [...this.users, user] : this.users.map((u, k) => (k === at ? user : u));
  }

  remove(id: string): void {
    this.users = this.users.filter((u) => u.id !== id);
  }

  clear(): void {
    this.users = [];
    this.loaded = false;
  }
}
