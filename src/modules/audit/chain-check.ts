import { entryHash, GENESIS_HASH, type ChainedFields } from './canonical.ts';

/** A stored entry: its chained fields and the hash stored with them. */
export interface StoredEntry extends ChainedFields {
  hash: string;
}

/** Where and how the chain is broken. */
export interface ChainBreak {
  seq: string;
  problem: string;
}

/**
 * Checks entries one at a time in `seq` order, holding only the previous entry's seq and hash,
 * so a walk over any number of entries runs in flat memory.
 */
export class ChainCheck {
  #expectedSeq = 1n;
  #prevHash = GENESIS_HASH;
  /** Entries found intact so far. */
  entries = 0;
  /** seq and hash of the last intact entry. */
  last: { seq: string; hash: string } | undefined;

  /** The break this entry shows, or undefined when it continues the chain intact. */
  next(entry: StoredEntry): ChainBreak | undefined {
    const seq = BigInt(entry.seq);
    const expected = this.#expectedSeq;
    if (seq > expected) {
      const missing = seq - 1n === expected ? `entry ${expected} is` : `entries ${expected} to ${seq - 1n} are`;
      return { seq: expected.toString(), problem: `${missing} missing (deleted): the next entry present is ${entry.seq}` };
    }
    if (seq < expected) {
      return { seq: entry.seq, problem: `entry ${entry.seq} is out of place: entry ${expected} was expected` };
    }
    if (entryHash(entry) !== entry.hash) {
      return { seq: entry.seq, problem: `entry ${entry.seq} was altered: its content does not match its hash` };
    }
    if (entry.prevHash !== this.#prevHash) {
      const before = this.last ? `entry ${this.last.seq}` : 'the start of the chain';
      return {
        seq: entry.seq,
        problem: `entry ${entry.seq} does not follow ${before}: its prev_hash differs (an entry was removed, inserted or reordered)`,
      };
    }
    this.entries++;
    this.#expectedSeq++;
    this.#prevHash = entry.hash;
    this.last = { seq: entry.seq, hash: entry.hash };
    return undefined;
  }
}
