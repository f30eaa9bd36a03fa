import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalEntry, entryHash, entryTime, GENESIS_HASH, storableDetails, storableText, type ChainedFields } from './canonical.ts';

const entry: ChainedFields = {
  seq: '7',
  id: '6f1c2a9e-0b7d-4c3e-9a51-2d8e4f60a1b2',
  at: '2025-03-01T10:20:30.123000Z',
  actorUserId: '0d4c5e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
  actorUsername: 'alice',
  actorRole: 'admin',
  action: 'sources.create',
  target: null,
  outcome: 'success',
  sourceIp: '127.0.0.1',
  details: { status: 201, nested: { z: 1, a: [true, null, 'x'] } },
  prevHash: 'ab'.repeat(32),
};

// Written out by hand: the serialisation is a stored format, not whatever the code does today.
const canonical =
  '["jivs-audit/1","7","6f1c2a9e-0b7d-4c3e-9a51-2d8e4f60a1b2","2025-03-01T10:20:30.123000Z",' +
  '"0d4c5e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f","alice","admin","sources.create",null,"success","127.0.0.1",' +
  `{"nested":{"a":[true,null,"x"],"z":1},"status":201},"${'ab'.repeat(32)}"]`;

describe('audit entry canonicalisation and hash', () => {
  it('serialises every field at a fixed position with object keys sorted', () => {
    assert.equal(canonicalEntry(entry), canonical);
  });

  it('hashes the canonical text with SHA-256', () => {
    assert.equal(entryHash(entry), createHash('sha256').update(canonical).digest('hex'));
  });

  it('does not depend on the order of keys in the details (jsonb reorders them)', () => {
    const reordered = { ...entry, details: { nested: { a: [true, null, 'x'], z: 1 }, status: 201 } };
    assert.equal(entryHash(reordered), entryHash(entry));
  });

  it('changes when any field changes, including the previous hash', () => {
    const changes: Partial<ChainedFields>[] = [
      { seq: '8' },
      { id: '6f1c2a9e-0b7d-4c3e-9a51-2d8e4f60a1b3' },
      { at: '2025-03-01T10:20:30.123001Z' },
      { actorUserId: null },
      { actorUsername: 'mallory' },
      { actorRole: 'auditor' },
      { action: 'sources.delete' },
      { target: 'x' },
      { outcome: 'failure' },
      { sourceIp: '10.0.0.1' },
      { details: { status: 201, nested: { z: 2, a: [true, null, 'x'] } } },
      { prevHash: GENESIS_HASH },
    ];
    const hashes = new Set([entryHash(entry), ...changes.map((c) => entryHash({ ...entry, ...c }))]);
    assert.equal(hashes.size, changes.length + 1);
  });

  it('keeps fields apart: text moved from one field to the next is a different entry', () => {
    const a = { ...entry, actorUsername: 'ab', actorRole: 'c' };
    const b = { ...entry, actorUsername: 'a', actorRole: 'bc' };
    assert.notEqual(entryHash(a), entryHash(b));
    assert.notEqual(entryHash({ ...entry, target: null }), entryHash({ ...entry, target: 'null' }));
  });

  it('writes times with microseconds, as PostgreSQL returns them', () => {
    assert.equal(entryTime(new Date('2025-03-01T10:20:30.123Z')), '2025-03-01T10:20:30.123000Z');
  });
});

describe('storable values', () => {
  it('replaces what PostgreSQL cannot store exactly: NUL and lone surrogates', () => {
    assert.equal(storableText('a\u0000b'), 'a\uFFFDb');
    assert.equal(storableText('x\uD800y'), 'x\uFFFDy');
    assert.equal(storableText('rocket 🚀 ünï'), 'rocket 🚀 ünï');
  });

  it('turns details into the plain JSON a jsonb column gives back', () => {
    const details = storableDetails({
      when: new Date('2025-01-02T03:04:05.000Z'),
      gone: undefined,
      nan: Number.NaN,
      list: [1.5, 'k\u0000'],
      'key\u0000': { deep: '\uDC00' },
    });
    assert.deepEqual(details, {
      when: '2025-01-02T03:04:05.000Z',
      nan: null,
      list: [1.5, 'k\uFFFD'],
      'key\uFFFD': { deep: '\uFFFD' },
    });
    assert.deepEqual(storableDetails(undefined), {});
  });
});
