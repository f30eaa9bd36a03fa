import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entryHash, GENESIS_HASH, type ChainedFields } from './canonical.ts';
import { ChainCheck, type StoredEntry } from './chain-check.ts';

/** A valid chain of `n` entries, built here from the hash function alone. */
function chain(n: number): StoredEntry[] {
  const entries: StoredEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const fields: ChainedFields = {
      seq: String(i),
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      at: `2025-01-01T00:00:0${i}.000000Z`,
      actorUserId: null,
      actorUsername: `user${i}`,
      actorRole: null,
      action: 'auth.login',
      target: null,
      outcome: 'success',
      sourceIp: '127.0.0.1',
      details: { n: i },
      prevHash,
    };
    prevHash = entryHash(fields);
    entries.push({ ...fields, hash: prevHash });
  }
  return entries;
}

interface Found {
  intact: number;
  seq?: string;
  problem?: string;
  last?: { seq: string; hash: string } | undefined;
}

function firstBreak(entries: StoredEntry[]): Found {
  const check = new ChainCheck();
  for (const e of entries) {
    const broken = check.next(e);
    if (broken) return { ...broken, intact: check.entries };
  }
  return { intact: check.entries, last: check.last };
}

describe('hash chain check', () => {
  it('accepts an intact chain and reports its head', () => {
    const entries = chain(5);
    assert.deepEqual(firstBreak(entries), { intact: 5, last: { seq: '5', hash: entries[4]!.hash } });
    assert.deepEqual(firstBreak([]), { intact: 0, last: undefined });
  });

  it('finds an edited entry by its hash', () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, actorUsername: 'mallory' };
    const found = firstBreak(entries);
    assert.equal(found.seq, '3');
    assert.match(found.problem!, /entry 3 was altered/);
    assert.equal(found.intact, 2);
  });

  it('finds an edited entry whose hash was recomputed, at the next entry', () => {
    const entries = chain(5);
    const forged: ChainedFields = { ...entries[2]!, actorUsername: 'mallory' };
    entries[2] = { ...forged, hash: entryHash(forged) };
    const found = firstBreak(entries);
    assert.equal(found.seq, '4');
    assert.match(found.problem!, /entry 4 does not follow entry 3/);
  });

  it('finds deleted entries, at the first missing seq', () => {
    const one = chain(5).filter((e) => e.seq !== '3');
    assert.deepEqual(firstBreak(one), { seq: '3', problem: 'entry 3 is missing (deleted): the next entry present is 4', intact: 2 });
    const several = chain(6).filter((e) => e.seq !== '2' && e.seq !== '3');
    assert.match(firstBreak(several).problem!, /entries 2 to 3 are missing/);
    assert.equal(firstBreak(chain(3).slice(1)).seq, '1', 'the first entry deleted');
  });

  it('finds a deletion hidden by renumbering the rest', () => {
    const entries = chain(5).filter((e) => e.seq !== '3').map((e, i) => ({ ...e, seq: String(i + 1) }));
    const found = firstBreak(entries);
    assert.equal(found.seq, '3');
    assert.match(found.problem!, /altered/);
  });

  it('finds reordered entries and an entry inserted with a valid hash', () => {
    const entries = chain(4);
    const swapped = [entries[0]!, { ...entries[2]!, seq: '2' }, { ...entries[1]!, seq: '3' }, entries[3]!];
    assert.equal(firstBreak(swapped).seq, '2');

    const fields: ChainedFields = { ...entries[1]!, seq: '2', id: '00000000-0000-4000-8000-999999999999', prevHash: entries[0]!.hash };
    const inserted = [entries[0]!, { ...fields, hash: entryHash(fields) }, ...entries.slice(1).map((e) => ({ ...e, seq: String(Number(e.seq) + 1) }))];
    const found = firstBreak(inserted);
    assert.equal(found.seq, '3');
    assert.ok(found.problem, 'the entry after the inserted one no longer matches');
  });

  it('refuses a first entry that does not start from the genesis hash', () => {
    const entries = chain(2);
    const fields: ChainedFields = { ...entries[0]!, prevHash: 'f'.repeat(64) };
    const found = firstBreak([{ ...fields, hash: entryHash(fields) }]);
    assert.equal(found.seq, '1');
    assert.match(found.problem!, /does not follow the start of the chain/);
  });
});
