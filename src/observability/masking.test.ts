import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSecretKey, maskText, maskValue, REDACTED } from './masking.ts';

describe('masking', () => {
  it('masks personal data inside free text', () => {
    const out = maskText('user ada.lovelace@example.org with SSN 123-45-6789 paid with 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, phone +1 415-555-2671');
    for (const secret of ['ada.lovelace@example.org', '123-45-6789', '4111 1111 1111 1111', 'DE89 3704 0044 0532 0130 00', '415-555-2671']) {
      assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    }
    assert.match(out, /\[EMAIL_REDACTED\].*\[SSN_REDACTED\].*\[CARD_REDACTED\].*\[IBAN_REDACTED\].*\[PHONE_REDACTED\]/);
  });

  it('leaves ids, timestamps and numbers that are not card numbers alone', () => {
    const text = 'job 3f2c9a1e-7d4b-4c1a-9e8f-1a2b3c4d5e6f at 2025-01-12T14:30:45.123Z took 1732412345678 ms from 127.0.0.1';
    assert.equal(maskText(text), text);
  });

  it('removes credentials from DSNs, bearer tokens and JWTs', () => {
    const out = maskText('postgres://reader:s3cr3t@db:5432/crm Authorization: Bearer abc.def.ghi eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig');
    assert.ok(!out.includes('s3cr3t'));
    assert.ok(!out.includes('abc.def.ghi'));
    assert.ok(!out.includes('eyJzdWIiOiIxIn0'));
  });

  it('redacts secret-named fields at any depth and keeps the rest', () => {
    const out = maskValue({ user: 'bob', password: 'hunter2', nested: { refreshToken: 'x', list: [{ apiKey: 'k' }] }, count: 3 });
    assert.deepEqual(out, { user: 'bob', password: REDACTED, nested: { refreshToken: REDACTED, list: [{ apiKey: REDACTED }] }, count: 3 });
  });

  it('keeps numbers that are durations and sizes about secrets, not secrets themselves', () => {
    const out = maskValue({
      accessTokenTtlSeconds: 900,
      passwordMinLength: 12,
      tokenTtl: 60,
      secretKeyMs: 5,
      refresh_token_ttl_seconds: 3600,
      tokenSecret: 'x',
      tokenCount: 'abc',
      tokenms: 7,
    });
    assert.deepEqual(out, {
      accessTokenTtlSeconds: 900,
      passwordMinLength: 12,
      tokenTtl: 60,
      secretKeyMs: 5,
      refresh_token_ttl_seconds: 3600,
      tokenSecret: REDACTED,
      tokenCount: REDACTED,
      tokenms: REDACTED,
    });
  });

  it('tells secret field names by name alone, whatever they end in', () => {
    for (const key of ['apiKeyParams', 'cookieItems', 'secretTermsCount', 'accessTokenTtlSeconds', 'X-Api-Key']) {
      assert.ok(isSecretKey(key), key);
    }
    assert.ok(!isSecretKey('timeoutSeconds'));
    assert.deepEqual(maskValue({ apiKeyParams: 'k=abc123', cookieItems: ['sid=1'] }), { apiKeyParams: REDACTED, cookieItems: REDACTED });
  });

  it('keeps an error readable while masking its message', () => {
    const out = maskValue(new Error('login failed for eve@example.com')) as { type: string; message: string };
    assert.equal(out.type, 'Error');
    assert.equal(out.message, 'login failed for [EMAIL_REDACTED]');
  });
});
