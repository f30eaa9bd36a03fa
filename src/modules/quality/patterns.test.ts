import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dominantShape, guessSemanticType, shapeOf } from './patterns.ts';

describe('profile patterns', () => {
  it('maps letters to A and digits to 9, keeping everything else', () => {
    assert.equal(shapeOf('AB-1234'), 'AA-9999');
    assert.equal(shapeOf('jo.doe@x.ch'), 'AA.AAA@A.AA');
    assert.equal(shapeOf('Zürich 8001'), 'AAAAAA 9999');
    assert.equal(shapeOf('٣'), '9');
    assert.equal(shapeOf('x'.repeat(70)), `${'A'.repeat(64)}…`);
  });

  it('finds the most common shape and its share', () => {
    assert.deepEqual(dominantShape(['AB-1', 'CD-2', 'EF-3', 'nope']), { value: 'AA-9', share: 0.75 });
    assert.equal(dominantShape([]), null);
  });

  it('guesses semantic types when at least 90% of the sample agrees', () => {
    const guess = (sample: string[]) => guessSemanticType(sample)?.value ?? null;
    assert.equal(guess(['a@b.ch', 'x.y@example.com']), 'email');
    assert.equal(guess(['3f2b8c2e-0c1a-4d7e-9a59-1b2c3d4e5f60']), 'uuid');
    assert.equal(guess(['2024-01-31', '1999-12-01']), 'date');
    assert.equal(guess(['2024-01-31T10:00:00Z', '2024-01-31 10:00:00.5+02']), 'timestamp');
    assert.equal(guess(['1', '-42', '+7']), 'integer');
    assert.equal(guess(['1', '2.5', '-0.25', '1e3']), 'decimal');
    assert.equal(guess(['true', 'f']), 'boolean');
    assert.equal(guess(['a@b.ch', 'not an email']), null);
    const mostly = Array.from({ length: 9 }, (_, i) => String(i)).concat('x');
    assert.deepEqual(guessSemanticType(mostly), { value: 'integer', share: 0.9 });
    assert.equal(guess([]), null);
  });
});
