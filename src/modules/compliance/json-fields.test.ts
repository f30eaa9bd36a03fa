import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectJsonFields, type JsonField } from './json-fields.ts';

describe('JSON fields of sampled documents', () => {
  it('collects scalar values by key path across documents, skipping arrays, nulls and booleans', () => {
    const fields = new Map<string, JsonField>();
    collectJsonFields({ email: 'a@x.org', n: 7, ok: true, contact: { phone: '+49 30 1234567', tags: ['x'] }, gone: null }, fields);
    collectJsonFields({ email: 'b@y.org', contact: { phone: '(555) 123-4567' } }, fields);
    collectJsonFields(['not', 'an', 'object'], fields);
    collectJsonFields('scalar', fields);
    assert.deepEqual([...fields.values()], [
      { path: ['email'], values: ['a@x.org', 'b@y.org'] },
      { path: ['n'], values: ['7'] },
      { path: ['contact', 'phone'], values: ['+49 30 1234567', '(555) 123-4567'] },
    ]);
  });

  it('bounds depth and the number of distinct fields', () => {
    const fields = new Map<string, JsonField>();
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 20; i++) deep = { level: deep };
    collectJsonFields(deep, fields);
    assert.equal(fields.size, 0);
    collectJsonFields(Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'v'])), fields);
    assert.equal(fields.size, 500);
  });
});
