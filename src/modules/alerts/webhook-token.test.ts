import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerMatches } from './webhook-token.ts';

const TOKEN = 'k7Yq2-webhook-token-of-at-least-32-chars';

describe('bearerMatches', () => {
  it('accepts exactly `Bearer <token>`, the scheme in any case', () => {
    assert.equal(bearerMatches(`Bearer ${TOKEN}`, TOKEN), true);
    assert.equal(bearerMatches(`bearer ${TOKEN}`, TOKEN), true);
  });

  it('refuses a missing header, another scheme, another token, a prefix or an extension of it', () => {
    for (const header of [undefined, '', 'Bearer', `Basic ${TOKEN}`, `Token ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN} extra`]) {
      assert.equal(bearerMatches(header, TOKEN), false, String(header));
    }
  });
});
