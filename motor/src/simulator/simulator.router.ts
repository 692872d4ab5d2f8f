import type { SimContext } from './simulator.lifecycle.js';

export interface SimRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  ctx: SimContext;
}

export interface SimRoute {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  path: string;
  /** none: open; global: the global apikey only; instance: the global key or that instance's token. */
  auth: 'none' | 'global' | 'instance';
  handler(req: SimRequest): Promise<{ status: number; body: unknown }> | { status: number; body: unknown };
}

interface Compiled extends SimRoute {
  re: RegExp;
  keys: string[];
}

/** A tiny path matcher for the simulator's routes (`/instance/connect/:name`). */
export class SimRouter {
  private readonly routes: Compiled[] = [];

  add(...routes: SimRoute[]): this {
    for (const r of routes) {
      const keys: string[] = [];
      const re = new RegExp(
        `^${r.path.replace(/\/:([a-zA-Z]+)/g, (_m, k: string) => (keys.push(k), '/([^/]+)'))}/?$`,
      );
      this.routes.push({ ...r, re, keys });
    }
    return this;
  }

  match(method: string, pathname: string): { route: SimRoute; params: Record<string, string> } | null {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.re.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      return { route: r, params };
    }
    return null;
  }
}
