import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS, patchConversationBodySchema, sendMessageBodySchema, signupBodySchema } from './index.js';

describe('contract', () => {
  it('maps every error code to a status', () => {
    for (const code of ERROR_CODES) expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
  });
  it('normalises signup emails and rejects short passwords', () => {
    expect(signupBodySchema.parse({ email: ' A@B.co ', password: '12345678', name: 'a', accountName: 'b' }).email).toBe('a@b.co');
    expect(signupBodySchema.safeParse({ email: 'a@b.co', password: 'short', name: 'a', accountName: 'b' }).success).toBe(false);
  });
  it('refuses an empty patch and blank messages', () => {
    expect(patchConversationBodySchema.safeParse({}).success).toBe(false);
    expect(sendMessageBodySchema.safeParse({ text: '   ' }).success).toBe(false);
  });
});
