import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM under a key derived from the session secret: what the Motor must store but the
 * database must not be able to use (a Supabase refresh token). `open` answers null for anything
 * it did not seal with this key (another secret, tampering), never throws.
 *
 * @example
 *   const box = new SealedBox(sessionSecret);
 *   box.open(box.seal('refresh-token')); // 'refresh-token'
 */
export class SealedBox {
  private readonly key: Buffer;

  constructor(secret: string, purpose = 'supabase-refresh') {
    this.key = createHash('sha256').update(`atende:${purpose}:`).update(secret).digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      c.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  open(sealed: string): string | null {
    const [v, iv, tag, body] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || body === undefined) return null;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
