import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildReceipt, subjectDigest, type ReceiptInput } from './receipt.ts';

const input: ReceiptInput = {
  requestId: '5d1f5a44-3a8b-4c55-9a43-1b7cf3bf7b11',
  type: 'erasure',
  regulation: 'gdpr',
  erasureMode: 'delete',
  subject: { email: ' Ada@Example.com ' },
  receivedAt: new Date('2025-01-31T10:00:00Z'),
  dueAt: new Date('2025-02-28T10:00:00Z'),
  startedAt: new Date('2025-01-31T10:00:01Z'),
  completedAt: new Date('2025-01-31T10:00:02Z'),
  datasets: [
    { datasetId: 'a', table: 'archive.ext_a', searched: [{ column: 'email', jsonPath: null, category: 'email' }], rowsMatched: 2, rowsAffected: 2, blockedBy: [] },
    { datasetId: 'b', table: 'archive.ext_b', searched: [], rowsMatched: 0, rowsAffected: 0, blockedBy: [] },
    {
      datasetId: 'c',
      table: 'archive.ext_c',
      searched: [{ column: 'record', jsonPath: ['email'], category: 'email' }],
      rowsMatched: 3,
      rowsAffected: 0,
      blockedBy: [{ id: 'h1', datasetId: 'c', reason: 'litigation 42' }],
    },
  ],
};

describe('receipts', () => {
  it('lists every dataset with its counts, the exceptions of legal holds, and hashes its exact text', () => {
    const { text, sha256, exceptions } = buildReceipt(input);
    assert.equal(sha256, createHash('sha256').update(text).digest('hex'));
    assert.equal(exceptions, 1);
    const receipt = JSON.parse(text);
    assert.equal(receipt.status, 'completed_with_exceptions');
    assert.deepEqual(
      receipt.datasets.map((d: any) => [d.datasetId, d.rowsMatched, d.rowsErased]),
      [['a', 2, 2], ['b', 0, 0], ['c', 3, 0]],
    );
    assert.deepEqual(receipt.totals, { datasets: 3, rowsMatched: 5, rowsErased: 2 });
    assert.deepEqual(receipt.exceptions, [{ datasetId: 'c', table: 'archive.ext_c', legalHoldId: 'h1', reason: 'litigation 42', rowsRetained: 3 }]);
    assert.equal(receipt.dueAt, '2025-02-28T10:00:00.000Z');
    assert.ok(!text.includes('Ada'), 'the receipt must not hold the identifier itself');
  });

  it('names the count after what was done', () => {
    const anonymised = JSON.parse(buildReceipt({ ...input, erasureMode: 'anonymise', datasets: [] }).text);
    assert.deepEqual(anonymised.totals, { datasets: 0, rowsMatched: 0, rowsAnonymised: 0 });
    assert.equal(anonymised.status, 'completed');
    const rectified = JSON.parse(buildReceipt({ ...input, type: 'rectification', erasureMode: null, datasets: [] }).text);
    assert.equal(rectified.mode, undefined);
    assert.ok('rowsRectified' in rectified.totals);
  });

  it('digests identifiers after trimming, e-mail case-insensitively', () => {
    const expected = createHash('sha256').update('ada@example.com').digest('hex');
    assert.deepEqual(subjectDigest({ email: ' Ada@Example.com ' }), { email: `sha256:${expected}` });
  });
});
