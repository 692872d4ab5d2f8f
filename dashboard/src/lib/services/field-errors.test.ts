import { describe, expect, it } from 'vitest';
import { ApiError } from '$lib/api';
import { i18n } from '$lib/i18n/index.svelte';
import { fieldErrors } from './handle-error';

// Issue 11 (6): "Confira os campos destacados" highlighted nothing (the server's paths are
// "body.email", which the dashboard did not read) and raw English validator text showed in pt-BR.
const invalid = (details: unknown) =>
  new ApiError({ status: 400, code: 'validation_failed', message: 'invalid body', details });

describe(fieldErrors.name, () => {
  it("reads the Motor's field paths (body.email, query.cursor) as the form's field names", () => {
    i18n.locale = 'pt-BR';
    const e = invalid([
      { path: 'body.email', message: 'Invalid email address', code: 'invalid_format', format: 'email' },
      {
        path: 'body.newPassword',
        message: 'Too small: expected string to have >=8 characters',
        code: 'too_small',
        minimum: 8,
      },
    ]);
    expect(fieldErrors(e)).toEqual({ email: 'E-mail inválido', newPassword: 'Pelo menos 8 caracteres' });
  });

  it('never shows the validator text: an unknown issue is a translated "invalid value"', () => {
    i18n.locale = 'pt-BR';
    const e = invalid([
      {
        path: 'body.role',
        message: 'Invalid option: expected one of "admin"|"agent"',
        code: 'invalid_value',
      },
    ]);
    expect(fieldErrors(e)).toEqual({ role: 'Valor inválido' });
    i18n.locale = 'en';
    expect(fieldErrors(e)).toEqual({ role: 'Invalid value' });
    i18n.locale = 'pt-BR';
  });
});
