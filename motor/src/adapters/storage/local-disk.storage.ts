import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
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

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    const meta: StoredFile = { size: bytes.length, contentType };
    await writeFile(`${tmp}.json`, JSON.stringify(meta));
    await rename(`${tmp}.json`, `${file}.json`);
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
}
