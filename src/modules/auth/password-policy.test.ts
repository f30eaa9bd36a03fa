import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPasswordPolicy } from './password-policy.ts';

const ruleOf = (password: string, username = 'someone') => checkPasswordPolicy(password, username)?.rule;

describe('password policy (NIST SP 800-63B)', () => {
  it('accepts 8 to 128 characters without composition rules', () => {
    assert.equal(ruleOf('abcdefgq'), undefined);
    assert.equal(ruleOf('all lower case words'), undefined);
    assert.equal(ruleOf('x'.repeat(128)), undefined);
    assert.equal(ruleOf('        spaces count'), undefined);
  });

  it('counts Unicode code points, not UTF-16 units or bytes', () => {
    assert.equal(ruleOf('🔑'.repeat(8)), undefined);
    assert.equal(ruleOf('🔑'.repeat(7)), 'too_short');
    assert.equal(ruleOf('é'.repeat(128)), undefined);
    assert.equal(ruleOf('🔑'.repeat(129)), 'too_long');
  });

  it('says how long the password is and must be', () => {
    assert.deepEqual(checkPasswordPolicy('short', 'someone'), {
      rule: 'too_short',
      message:
        'the password must be at least 8 characters long (it has 5); a passphrase of several words is easy to remember',
    });
    assert.deepEqual(checkPasswordPolicy('y'.repeat(129), 'someone'), {
      rule: 'too_long',
      message: 'the password must be at most 128 characters long (it has 129)',
    });
  });

  it('rejects common and breached passwords, ignoring case', () => {
    for (const password of ['password', 'PASSWORD', 'Password1', 'qwertyuiop', '12345678', 'iloveyou', 'trustno1']) {
      assert.equal(ruleOf(password), 'common', password);
    }
    assert.match(checkPasswordPolicy('baseball', 'someone')!.message, /commonly used or breached/);
  });

  it('rejects the username and passwords containing it, ignoring case', () => {
    assert.equal(ruleOf('operator.one', 'operator.one'), 'contains_username');
    assert.equal(ruleOf('MyNameIsOperator.One!', 'operator.one'), 'contains_username');
    assert.equal(ruleOf('different words', 'operator.one'), undefined);
  });

  it('applies the containment rule only to usernames of three or more characters', () => {
    assert.equal(ruleOf('a lot of words', 'a'), undefined);
    assert.equal(ruleOf('rather long words', 'ra'), undefined);
    assert.equal(ruleOf('rather long words', 'her'), 'contains_username');
  });
});
