import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { sqlFiles } from '../../data/sql.ts';
import { entryHash, entryTime, GENESIS_HASH, storableDetails, storableText, type ChainedFields } from './canonical.ts';
import { ChainCheck, type StoredEntry } from './chain-check.ts';

const SQL = sqlFiles(import.meta.dirname, ['lock-chain', 'last-entry', 'insert-entry', 'entries-after', 'search']);

/** Anything that runs a query: a pool, a pooled client or a plain client. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** An entry to append. A sign-in attempt has a claimed username but no user id or role. */
export interface NewEntry {
  actorUserId: string | null;
  actorUsername: string | null;
  actorRole: string | null;
  action: string;
  target: string | null;
  outcome: 'success' | 'failure' | 'denied';
  sourceIp: string | null;
  details: Record<string, unknown> | undefined;
}

/** A row of audit_log as the reading statements return it. */
export interface EntryRow {
  seq: string;
  id: string;
  at: string;
  actor_user_id: string | null;
  actor_username: string | null;
  actor_role: string | null;
  action: string;
  target: string | null;
  outcome: string;
  source_ip: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

const storable = (text: string | null) => (text === null ? null : storableText(text));

/**
 * Appends an entry at the end of the chain, in the transaction `client` is in (it must be in one).
 * The chain lock is held until that transaction ends, so appends from every instance run one after
 * another and each reads the hash of the one before; the primary key on seq refuses a fork even
 * if a caller breaks that rule.
 */
export async function appendEntry(client: pg.ClientBase, entry: NewEntry): Promise<void> {
  await client.query(SQL['lock-chain']);
  const last = (await client.query<{ seq: string; hash: string }>(SQL['last-entry'])).rows[0];
  const fields: ChainedFields = {
    seq: (BigInt(last?.seq ?? '0') + 1n).toString(),
    id: randomUUID(),
    at: entryTime(new Date()),
    actorUserId: entry.actorUserId,
    actorUsername: storable(entry.actorUsername),
    actorRole: storable(entry.actorRole),
    action: storableText(entry.action),
    target: storable(entry.target),
    outcome: entry.outcome,
    sourceIp: storable(entry.sourceIp),
    details: storableDetails(entry.details),
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  await client.query(SQL['insert-entry'], [
    fields.seq,
    fields.id,
    fields.at,
    fields.actorUserId,
    fields.actorUsername,
    fields.actorRole,
    fields.action,
    fields.target,
    fields.outcome,
    fields.sourceIp,
    JSON.stringify(fields.details),
    fields.prevHash,
    entryHash(fields),
  ]);
}

export const storedEntry = (row: EntryRow): StoredEntry => ({
  seq: row.seq,
  id: row.id,
  at: row.at,
  actorUserId: row.actor_user_id,
  actorUsername: row.actor_username,
  actorRole: row.actor_role,
  action: row.action,
  target: row.target,
  outcome: row.outcome,
  sourceIp: row.source_ip,
  details: row.details,
  prevHash: row.prev_hash,
  hash: row.hash,
});

/** What a walk over the chain found. */
export interface Verification {
  valid: boolean;
  /** Entries found intact (when broken: those before the break). */
  entries: number;
  /** The last entry checked intact: note its hash elsewhere to detect a later cut of the tail. */
  lastSeq?: number;
  lastHash?: string;
  firstBrokenSeq?: number;
  problem?: string;
}

/** Walks the whole chain in order, a page at a time (flat memory), recomputing every hash. */
export async function verifyChain(db: Queryable, pageSize = 1000): Promise<Verification> {
  const check = new ChainCheck();
  let after = '0';
  for (;;) {
    const { rows } = await db.query<EntryRow>(SQL['entries-after'], [after, pageSize]);
    for (const row of rows) {
      const broken = check.next(storedEntry(row));
      if (broken) {
        return { valid: false, entries: check.entries, firstBrokenSeq: Number(broken.seq), problem: broken.problem };
      }
    }
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) break;
    after = last.seq;
  }
  return {
    valid: true,
    entries: check.entries,
    ...(check.last ? { lastSeq: Number(check.last.seq), lastHash: check.last.hash } : {}),
  };
}

/** Search filters; each one left out matches everything. */
export interface AuditFilters {
  actor?: string | undefined;
  /** Actions starting with this text: `auth.` matches `auth.login` and `auth.logout`. */
  action?: string | undefined;
  outcome?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  target?: string | undefined;
}

const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, '\\$&')}%`;

/** One page of matching entries, newest first, before the entry `before` when given. */
export async function searchEntries(db: Queryable, filters: AuditFilters, before: string | undefined, limit: number) {
  const { rows } = await db.query<EntryRow>(SQL.search, [
    filters.actor ?? null,
    filters.action === undefined ? null : likePrefix(filters.action),
    filters.outcome ?? null,
    filters.from ?? null,
    filters.to ?? null,
    filters.target ?? null,
    before ?? null,
    limit,
  ]);
  return rows;
}
