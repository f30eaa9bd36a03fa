import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHttpError } from '../../http/errors.ts';
import { displayDsn, parsePostgresDsn } from './postgres-dsn.ts';

describe('parsePostgresDsn', () => {
  it('splits settings from the password, decoding escapes', () => {
    const { settings, password } = parsePostgresDsn('postgresql://app%40corp:p%40ss%2Fw@db.example:5433/sales?sslmode=verify-full');
    assert.deepEqual(settings, { host: 'db.example', port: 5433, database: 'sales', user: 'app@corp', params: { sslmode: 'verify-full' } });
    assert.equal(password, 'p@ss/w');
    assert.equal(displayDsn(settings), 'postgres://app%40corp@db.example:5433/sales?sslmode=verify-full');
  });

  it('defaults the port, allows no password and IPv6 hosts', () => {
    const { settings, password } = parsePostgresDsn('postgres://reader@[::1]/db');
    assert.deepEqual(settings, { host: '::1', port: 5432, database: 'db', user: 'reader', params: {} });
    assert.equal(password, undefined);
    assert.equal(displayDsn(settings), 'postgres://reader@[::1]:5432/db');
  });

  it('says what is wrong, never repeating the password', () => {
    const cases: Array<[string, RegExp]> = [
      ['not a url', /not a valid connection URL/],
      ['mysql://u:topsecret@h/db', /must start with postgres:\/\//],
      ['postgres://:topsecret@h/db', /names no user/],
      ['postgres://u:topsecret@h', /names no database/],
      ['postgres://u:topsecret@h/a/b', /one path segment/],
      ['postgres://u:topsecret@h:0/db', /port/],
      ['postgres://u:topsecret@h:99999/db', /not a valid connection URL/],
      ['postgres://u:top%ZZsecret@h/db', /password has an invalid %-escape/],
      ['postgres://u:topsecret@h/db?sslmode=sometimes', /sslmode "sometimes" is not one of/],
      ['postgres://u:topsecret@h/db?options=-c%20x', /parameter "options" is not supported/],
    ];
    for (const [dsn, message] of cases) {
      assert.throws(
        () => parsePostgresDsn(dsn),
        (e: unknown) => isHttpError(e) && e.status === 400 && message.test(e.message) && !e.message.includes('topsecret'),
        dsn,
      );
    }
  });
});
