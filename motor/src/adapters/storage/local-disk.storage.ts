import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StoragePort, StoredFile } from '../../ports/storage.port.js';

const KEY = /^[0-9a-f-]{36}\/[0-9a-f-]{36}$/;

/**
 * Media files on the local disk: `<root>/<accountId>/<messageId>` holds the bytes and
 * `<messageId>.json` its content type and size. Writes go to a temporary file renamed into place,
 * so a reader never sees half a file.
 *
 * @example
 *   const storage = new LocalDiskStorage(path.join(config.dataDir, 'media'));
 */
export class LocalDiskStorage implements StoragePort {
  constructor(private readonly root: string) {}

  private file(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid storage key: ${key}`);
    return path.join(this.root, key);
  }

  private async temp(key: string): Promise<{ file: string; tmp: string }> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    return { file, tmp: `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}.tmp` };
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const { file, tmp } = await this.temp(key);
    await writeFile(tmp, bytes);
    await this.commit(file, tmp, { size: bytes.length, contentType });
  }

  async write(key: string, source: Readable, contentType: string): Promise<StoredFile> {
    const { file, tmp } = await this.temp(key);
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, count, createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const meta = { size, contentType };
    await this.commit(file, tmp, meta);
    return meta;
  }

  async remove(key: string): Promise<void> {
    const file = this.file(key);
    await rm(`${file}.json`, { force: true });
    await rm(file, { force: true });
  }

  async stat(key: string): Promise<StoredFile | null> {
    try {
      return JSON.parse(await readFile(`${this.file(key)}.json`, 'utf8')) as StoredFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    return createReadStream(this.file(key), range);
  }

  /** The bytes first, then the `.json` that makes them visible to `stat`. */
  private async commit(file: string, tmp: string, meta: StoredFile) {
    await rename(tmp, file);
    await writeFile(`${tmp}.json`, JSON.stringify(meta));
    await rename(`${tmp}.json`, `${file}.json`);
  }
}
