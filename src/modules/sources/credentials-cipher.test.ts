import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decryptSecret, encryptSecret } from './credentials-cipher.ts';

const key = randomBytes(32);
const secret = { password: 'pä$$wörd "quoted"', headers: { Authorization: 'Bearer abc.def' } };

describe('credentials cipher', () => {
  it('round-trips a secret', () => {
    const sealed = encryptSecret(key, secret, 'source-1');
    assert.deepEqual(decryptSecret(key, sealed, 'source-1'), secret);
  });

  it('does not contain the plaintext and uses a fresh IV each time', () => {
    const a = encryptSecret(key, secret, 'source-1');
    const b = encryptSecret(key, secret, 'source-1');
    assert.equal(a[0], 1, 'format version byte');
    assert.ok(!a.includes(Buffer.from('pä$$wörd')));
    assert.ok(!a.includes(Buffer.from('Bearer')));
    assert.notDeepEqual(a, b);
  });

  it('refuses altered ciphertext, tag or IV', () => {
    const sealed = encryptSecret(key, secret, 'source-1');
    for (const index of [1, 14, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[index] = tampered[index]! ^ 0x01;
      assert.throws(() => decryptSecret(key, tampered, 'source-1'), /could not be decrypted/);
    }
  });

  it('refuses another key or another source', () => {
    const sealed = encryptSecret(key, secret, 'source-1');
    assert.throws(() => decryptSecret(randomBytes(32), sealed, 'source-1'), /could not be decrypted/);
    assert.throws(() => decryptSecret(key, sealed, 'source-2'), /could not be decrypted/);
  });

  it('refuses an unknown version, truncated data and a wrong key size', () => {
    const sealed = encryptSecret(key, secret, 'source-1');
    const future = Buffer.from(sealed);
    future[0] = 2;
    assert.throws(() => decryptSecret(key, future, 'source-1'), /unknown format version 2/);
    assert.throws(() => decryptSecret(key, sealed.subarray(0, 20), 'source-1'), /truncated/);
    assert.throws(() => encryptSecret(randomBytes(16), secret, 'source-1'), /32 bytes/);
  });
});
