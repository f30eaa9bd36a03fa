import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatasetWithPii, PiiEntry } from './datasets.ts';
import { effectiveTargets } from './targets.ts';

const entry = (column: string, category: PiiEntry['category'], status: PiiEntry['status'], jsonPath: string[] = []): PiiEntry => ({
  id: `${column}-${category}`,
  column,
  jsonPath,
  category,
  status,
});

const dataset = (pii: PiiEntry[]): DatasetWithPii => ({
  id: 'd',
  tableName: 'ext_d',
  rowCount: 0,
  columns: ['email', 'backup_email', 'phone', 'record'].map((name) => ({ name, type: name === 'record' ? 'jsonb' : 'text', sourceType: 'text' })),
  pii,
});

const found = (d: DatasetWithPii) => effectiveTargets(d).map((t) => `${t.column.name}${t.jsonPath.map((k) => '.' + k).join('')}:${t.category}`);

describe('the catalogue entries a request acts on', () => {
  it('uses the confirmed entries of a category, and the proposed ones only where none is confirmed', () => {
    const d = dataset([
      entry('email', 'email', 'confirmed'),
      entry('backup_email', 'email', 'proposed'),
      entry('phone', 'phone', 'proposed'),
      entry('record', 'phone', 'proposed', ['contact', 'phone']),
    ]);
    assert.deepEqual(found(d), ['email:email', 'phone:phone', 'record.contact.phone:phone']);
  });

  it('uses every proposed entry while nobody has reviewed the dataset', () => {
    assert.deepEqual(found(dataset([entry('email', 'email', 'proposed'), entry('backup_email', 'email', 'proposed')])), [
      'email:email',
      'backup_email:email',
    ]);
  });

  it('skips entries whose column the dataset no longer has', () => {
    // A confirmed entry of a vanished column does not hide the proposals of that category.
    assert.deepEqual(found(dataset([entry('gone', 'email', 'confirmed'), entry('email', 'email', 'proposed')])), ['email:email']);
    assert.deepEqual(found(dataset([entry('gone', 'phone', 'proposed'), entry('phone', 'phone', 'proposed')])), ['phone:phone']);
  });
});
