import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { labelCombinations, startAtZero } from './metrics.ts';

describe('labelled counters that start at zero', () => {
  it('combines every value of every label', () => {
    assert.deepEqual(labelCombinations({ cache: ['auth', 'analytics'], result: ['hit', 'miss'] }), [
      { cache: 'auth', result: 'hit' },
      { cache: 'auth', result: 'miss' },
      { cache: 'analytics', result: 'hit' },
      { cache: 'analytics', result: 'miss' },
    ]);
    assert.deepEqual(labelCombinations({ pool: [] }), []);
  });

  it('exports a 0 series for each label set before the first event, and counts on from there', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'things_total', help: 'things', labelNames: ['kind'] as const, registers: [registry] });
    startAtZero(counter, labelCombinations({ kind: ['a', 'b'] }));
    counter.inc({ kind: 'b' }, 2);
    const text = await registry.metrics();
    assert.match(text, /^things_total\{kind="a"\} 0$/m);
    assert.match(text, /^things_total\{kind="b"\} 2$/m);
  });
});
