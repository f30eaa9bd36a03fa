import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyDummyPassword, verifyPassword } from './passwords.ts';

describe('password hashing', () => {
  it('hashes with argon2id and a fresh salt each time', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(a, b);
    assert.ok(!a.includes('correct horse'));
  });

  it('verifies the right password and refuses others', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.equal(await verifyPassword(stored, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(stored, 'Correct horse battery staple'), false);
    assert.equal(await verifyPassword(stored, ''), false);
  });

  it('matches the same password typed in another Unicode form (NFKC)', async () => {
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';
    const stored = await hashPassword(composed);
    assert.equal(await verifyPassword(stored, decomposed), true);
  });

  it('treats a malformed stored hash as a mismatch rather than an error', async () => {
    assert.equal(await verifyPassword('not a hash', 'anything'), false);
  });

  it('spends about the time of a real verification on unknown users', async () => {
    const stored = await hashPassword('some password');
    // Medians of several runs, and a wide margin, so a busy machine does not make this flaky.
    const median = async (fn: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        await fn();
        times.push(performance.now() - started);
      }
      return times.sort((x, y) => x - y)[3]!;
    };
    const real = await median(() => verifyPassword(stored, 'wrong password'));
    const dummy = await median(() => verifyDummyPassword('wrong password'));
    assert.ok(dummy > real / 4 && dummy < real * 4, `dummy ${dummy} ms vs real ${real} ms`);
  });
});
