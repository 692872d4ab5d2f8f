import Koa from 'koa';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Db } from './ports/db.port.js';
import type { RealtimePublisher } from './ports/realtime.port.js';
import { errorHandler } from './http/middleware/error.middleware.js';
import { jsonBody } from './http/middleware/json-body.middleware.js';
import { requestContext } from './http/middleware/request-context.middleware.js';
import { healthRoutes } from './http/routes/health.routes.js';
import { authRoutes } from './http/routes/auth.routes.js';
import { usersRoutes } from './http/routes/users.routes.js';
import { originGuard } from './http/middleware/origin.middleware.js';
import type { AuthService } from './services/auth.service.js';
import type { UsersService } from './services/users.service.js';
import { staticDashboard } from './http/static-dashboard.js';

/** Everything the app needs from the outside, built in main.ts (or by a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  realtime: RealtimePublisher;
  /** Sessions and logins (local or Supabase Auth); also used by the Socket.IO handshake. */
  auth: AuthService;
  /** The team API (/api/users). */
  users: UsersService;
}

/**
 * Builds the Koa application from its ports. Nothing runs at import time; nothing listens here.
 *
 * @example
 *   const app = createApp(deps);
 *   http.createServer(app.callback()).listen(0);
 */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: true });
  app.silent = true; // errors are logged by errorHandler, once
  app.use(errorHandler(deps.logger));
  app.use(requestContext(deps.logger));
  app.use(originGuard({ publicUrl: deps.config.publicUrl }));
  app.use(jsonBody());

  const routers = [healthRoutes(deps), authRoutes(deps), usersRoutes(deps)];
  for (const r of routers) app.use(r.routes()).use(r.allowedMethods());

  app.use(staticDashboard());
  return app;
}
