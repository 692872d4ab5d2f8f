import Router from '@koa/router';
import { idParamSchema } from '@atende/shared';
import { z } from 'zod';
import type { AuthService } from '../../services/auth.service.js';
import type { MediaService } from '../../services/media.service.js';
import { authOf, requireAuth } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

const mediaQuerySchema = z.object({ download: z.enum(['0', '1']).optional() });

/** A week: the bytes of a message never change. */
const CACHE = 'private, max-age=604800, immutable';

/**
 * A single `bytes=` range of a file of `size` bytes, inclusive; null for no range (or one the
 * server may ignore, e.g. several ranges), 'unsatisfiable' for one outside the file.
 *
 * @example
 *   parseRange('bytes=0-99', 1000) // → { start: 0, end: 99 }
 *   parseRange('bytes=-100', 1000) // → { start: 900, end: 999 }
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'unsatisfiable' {
  const m = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/** `"name.pdf"` for Content-Disposition, with a UTF-8 form for names beyond ASCII. */
function disposition(kind: 'inline' | 'attachment', fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * `GET /api/messages/:id/media` (docs/media.md): the file of a media message of the caller's
 * account, with ranges for audio and video players; `?download=1` makes it an attachment.
 */
export function mediaRoutes(deps: { auth: Pick<AuthService, 'authenticate'>; media: MediaService }) {
  const router = new Router();
  router.get(
    '/api/messages/:id/media',
    requireAuth(deps.auth),
    validate({ params: idParamSchema, query: mediaQuerySchema }),
    async (ctx) => {
      const { id } = input(ctx, 'params', idParamSchema);
      const { download } = input(ctx, 'query', mediaQuerySchema);
      const file = await deps.media.file(authOf(ctx).accountId, id);
      ctx.set('Cache-Control', CACHE);
      ctx.set('Accept-Ranges', 'bytes');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Content-Disposition', disposition(download === '1' ? 'attachment' : 'inline', file.fileName));
      ctx.type = file.contentType;
      const range = parseRange(ctx.get('Range') || undefined, file.size);
      if (range === 'unsatisfiable') {
        ctx.status = 416;
        ctx.set('Content-Range', `bytes */${file.size}`);
        ctx.body = { error: { code: 'validation_failed', message: 'requested range not satisfiable' } };
        return;
      }
      if (range) {
        ctx.status = 206;
        ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
        ctx.body = await deps.media.read(file, range);
        ctx.length = range.end - range.start + 1;
        return;
      }
      ctx.body = await deps.media.read(file);
      ctx.length = file.size;
    },
  );
  return router;
}
