import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unsafePatternReason } from './regex-safety.ts';

describe('regular expression safety', () => {
  it('accepts ordinary validation patterns', () => {
    for (const p of ['^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$', '^\\d{5}(-\\d{4})?$', '^(foo|bar)+$', '^[A-Z]{2}\\d{2}[A-Z0-9]{1,30}$', '(ab)*c', '^(?:\\+49|0)[1-9]\\d+$', '[(+*)]+', '\\(a+\\)+']) {
      assert.equal(unsafePatternReason(p), undefined, p);
    }
  });

  it('refuses nested unbounded repetition and backreferences', () => {
    for (const p of ['^(a+)+$', '(a*)*', '(\\d+)*x', '((ab)+c)+', '(a+){2,}', '(a|b+)+', '(?:x*y)+', '([a-z]+)*@']) {
      assert.match(unsafePatternReason(p) ?? '', /exponential/, p);
    }
    assert.match(unsafePatternReason('(a)\\1') ?? '', /backreferences/);
    assert.match(unsafePatternReason('(?<x>a)\\k<x>') ?? '', /backreferences/);
  });

  it('allows a bounded repeat of an unbounded group only once', () => {
    assert.equal(unsafePatternReason('(a+)?'), undefined);
    assert.equal(unsafePatternReason('(a+){1}'), undefined);
    assert.match(unsafePatternReason('(a+){1,3}') ?? '', /exponential/);
  });
});
