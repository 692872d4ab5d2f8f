import { Readable } from 'node:stream';
import busboy from 'busboy';
import { fileTypeFromBuffer } from 'file-type';
import { MEDIA_MAX_BYTES } from '@atende/shared';
import type { Context } from 'koa';
import { AppError } from '../errors.js';
import { classifyUpload, type MediaClass } from '../services/media-types.js';

/** Bytes file-type needs to recognise every format it knows. */
const SNIFF_BYTES = 4100;
/** Room for the multipart framing and the text fields around the file. */
const FRAMING_BYTES = 64 * 1024;
/** After an early refusal, how much more of the upload is read (so the client sees the answer) before the connection is cut. */
const DRAIN_AFTER_REFUSAL = 1024 * 1024;

/** The file part of an upload, its type decided from its first bytes. */
export interface IncomingMedia {
  /** The bytes; the stream fails with 413 `payload_too_large` past the limit of its class. */
  stream: Readable;
  media: MediaClass;
  /** The name the browser gave it, if any (documents keep it). */
  fileName: string | null;
}

const tooLarge = (limit: number) =>
  new AppError('payload_too_large', `the file exceeds ${Math.round(limit / (1024 * 1024))} MB`, { limit });

/**
 * Reads a `multipart/form-data` upload of one `file` part and a few text fields, streaming: the
 * file's type is sniffed from its first bytes (`file-type`, never the name or the browser's
 * claim), 415 when WhatsApp cannot take it, and its size is counted as it arrives, so an upload
 * past its limit answers 413 long before the whole body was read. `store` receives the file as a
 * stream and must consume it; text fields that came after the file are in `fields` once it resolves.
 *
 * @example
 *   const { fields, stored } = await receiveMediaUpload(ctx, (file) => storage.write(key, file.stream, file.media.mimetype));
 */
export async function receiveMediaUpload<T>(
  ctx: Context,
  store: (file: IncomingMedia) => Promise<T>,
): Promise<{ fields: Record<string, string>; stored: T }> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > MEDIA_MAX_BYTES + FRAMING_BYTES) {
    abandon(ctx);
    throw tooLarge(MEDIA_MAX_BYTES);
  }
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: ctx.req.headers,
      defParamCharset: 'utf8', // browsers send file names as UTF-8
      limits: { files: 1, fields: 8, parts: 10, fieldSize: 4096, fileSize: MEDIA_MAX_BYTES + 1 },
    });
  } catch (err) {
    throw new AppError('validation_failed', `malformed multipart body: ${(err as Error).message}`);
  }
  const fields: Record<string, string> = {};
  let stored: Promise<T> | null = null;
  let fail: (err: unknown) => void = () => {};
  const storeFailed = new Promise<never>((_, reject) => (fail = reject));
  storeFailed.catch(() => {}); // raced below
  const parsed = new Promise<void>((resolve, reject) => {
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      if (name !== 'file' || stored) {
        stream.resume();
        return;
      }
      stored = accept(stream, info.filename || null).then(store);
      stored.catch(fail);
    });
    bb.on('close', resolve);
    bb.on('error', (err: Error) =>
      reject(new AppError('validation_failed', `malformed multipart body: ${err.message}`)),
    );
  });
  // A client that goes away mid-upload: end the parse (and the stored part) instead of waiting forever.
  ctx.req.on('close', () => {
    if (!ctx.req.complete) bb.destroy(new Error('the upload was interrupted'));
  });
  ctx.req.pipe(bb);
  try {
    // The file is stored while the rest of the body is parsed; a refusal of it stops everything.
    await Promise.race([parsed, storeFailed]);
    await parsed;
    if (!stored) throw new AppError('validation_failed', 'the form has no file (field "file")');
    return { fields, stored: await stored };
  } catch (err) {
    abandon(ctx, bb);
    throw err;
  }
}

/** Sniffs the first bytes, then hands out the whole file as a stream that counts its size. */
async function accept(file: Readable, fileName: string | null): Promise<IncomingMedia> {
  const it = file[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < SNIFF_BYTES) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    first.push(r.value);
    length += r.value.length;
  }
  const head = Buffer.concat(first);
  if (head.length === 0) throw new AppError('validation_failed', 'the file is empty');
  const sniffed = (await fileTypeFromBuffer(head))?.mime ?? null;
  const media = classifyUpload(sniffed, fileName, head);
  if (!media) {
    throw new AppError(
      'unsupported_media_type',
      `WhatsApp does not take this kind of file${sniffed ? ` (${sniffed})` : ''}`,
      { detected: sniffed },
    );
  }
  if (head.length > media.limit) throw tooLarge(media.limit);
  async function* bytes() {
    let size = head.length;
    yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      size += r.value.length;
      if (size > media!.limit) throw tooLarge(media!.limit);
      yield r.value;
    }
  }
  return { stream: Readable.from(bytes(), { objectMode: false }), media, fileName };
}

/**
 * Stops reading an upload that was refused: the answer goes out with `Connection: close`, a little
 * more of the body is read so the client is reading when the connection closes (closing on unread
 * data resets it, and the client would see a reset instead of the answer), then it is cut.
 */
function abandon(ctx: Context, bb?: busboy.Busboy) {
  const { req, res } = ctx;
  if (bb) req.unpipe(bb);
  ctx.set('Connection', 'close');
  let drained = 0;
  const cut = () => req.socket.destroy();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_AFTER_REFUSAL && res.writableFinished) cut();
  });
  req.resume();
  res.once('finish', () => {
    if (req.complete) return;
    setTimeout(cut, 1000).unref();
    if (drained > DRAIN_AFTER_REFUSAL) setImmediate(cut);
  });
}
