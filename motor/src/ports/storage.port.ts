import type { Readable } from 'node:stream';

/** What is known about a stored file. */
export interface StoredFile {
  size: number;
  contentType: string;
}

/**
 * The file storage port: media files of messages, by key (`<accountId>/<messageId>`). Adapters:
 * the local disk under DATA_DIR/media (adapters/storage/local-disk.storage.ts) and a private
 * Supabase Storage bucket (adapters/storage/supabase.storage.ts). The browser never sees a key:
 * the Motor serves the bytes.
 *
 * @example
 *   await storage.put(key, bytes, 'image/png');
 *   const file = await storage.stat(key); // → { size, contentType } or null
 *   storage.read(key, { start: 0, end: 99 }).pipe(res);
 */
export interface StoragePort {
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /**
   * Stores a stream (an upload). Nothing is stored when the stream fails (e.g. a size limit it
   * enforces): the promise rejects with the stream's error. Resolves with the size written.
   */
  write(key: string, source: Readable, contentType: string): Promise<StoredFile>;
  /** Removes a file; nothing stored under the key is fine. */
  remove(key: string): Promise<void>;
  /** Null when nothing is stored under the key. */
  stat(key: string): Promise<StoredFile | null>;
  /** The bytes (inclusive range when given) of a key `stat` found. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
}
