/**
 * The load loop of a migration and its exactly-once protocol.
 *
 * Three databases take part: the source (read only), the TARGET (rows are loaded there) and the
 * platform database (the migration's status, its rejected rows, the job queue). A checkpoint
 * kept in the platform database could not commit atomically with rows in the target, so the
 * checkpoint lives in the target, next to the rows it covers, in schema `jivs_meta`:
 *
 * - `jivs_meta.migrations(migration_id, lease_id, ...)`: one row per migration with the lease of
 *   the attempt that owns it. A new attempt takes it over (UPDATE), which waits for a stale
 *   attempt's open chunk to end and fences off every later commit of that attempt.
 * - `jivs_meta.migration_ledger(migration_id, chunk_no, resume, counts, fingerprint)`: one row
 *   per committed chunk: where the source continues after it (the reader's resume state: the
 *   last key for a keyed PostgreSQL source, the record count for files, the page for HTTP), the
 *   running totals, and the fingerprint of everything loaded so far.
 * - `jivs_meta.loaded_<migration>`: the key of every row the migration loaded, with the column
 *   types of the target's key (created with CREATE TABLE AS ... WITH NO DATA). Rollback deletes
 *   exactly these rows (a typed join on a primary key or unique index), and verify reads exactly
 *   these rows back. Rows carry no marker column; ctids are not stable, keys are.
 *
 * Each chunk is one target transaction: COPY of the accepted rows, COPY of their keys, then the
 * ledger row inserted only if the attempt still holds the lease (one statement), then COMMIT.
 * A crash at any instant leaves rows, keys and ledger in agreement. Two target sessions take
 * chunks in turn, so one chunk commits while the next one fills; a chunk commits only after the
 * one before it did, so the ledger never has a gap. On resume the attempt reads
 * the ledger's last row from the target and continues the source after it: no row is lost
 * (everything after the last committed chunk is read again) and none is duplicated (everything
 * before it is not).
 *
 * Rejected rows live in the platform database (the API serves them). A chunk's rejects are
 * written there, fenced by the platform lease, BEFORE the chunk commits on the target, and
 * numbered with the chunk. A new attempt first takes both leases, then deletes rejects of chunk
 * numbers above the target's last committed chunk (written by an attempt that died before its
 * target commit). So each source row's reject is recorded exactly once as well. Progress in the
 * platform database is a mirror of the ledger, refreshed after every chunk and on resume.
 */
import type pg from 'pg';
import { LeaseLostError } from '../../jobs/attempts.ts';
import { decodeField, decodeRow, encodeField, encodeRow } from '../extraction/copy-text.ts';
import type { ResumeState, Segment } from '../extraction/readers/reader.ts';
import { sqlFiles } from '../../data/sql.ts';
import type { BatchChecks, ChunkValues, Rejection } from './batch-checks.ts';
import { CopyIn, isRowError } from '../../data/copy-in.ts';
import { added, noCounts, rejectedTotal, type Counts, type Phase } from './counts.ts';
import { RowRejected } from './errors.ts';
import { sourceRowJson, type Plan, type SourceRow } from './plan.ts';
import { rowHasher, RowsFingerprint } from './row-hash.ts';
import { quoteTable } from './target.ts';
import type { Value } from './transforms.ts';

const SQL = sqlFiles(import.meta.dirname, ['target-record-chunk']);

/** Rows transformed, validated and checked against the target together. */
const BATCH_ROWS = 5000;
/** Rows per savepoint when a chunk the target refused is loaded again to find the refused rows. */
const RELOAD_ROWS = 500;

/** What the ledger's last row says: where to continue, totals, and the running fingerprint. */
export interface LedgerState {
  chunkNo: number;
  resume: ResumeState | undefined;
  counts: Counts;
  fingerprint: { rows: number; sum: string };
}

export const emptyLedger = (): LedgerState => ({ chunkNo: 0, resume: undefined, counts: noCounts(), fingerprint: new RowsFingerprint().toJSON() });

/** A source row that is not migrated, for the reject store. */
export interface RejectRecord {
  rowNo: number;
  phase: Phase;
  rule: string;
  reason: string;
  sourceRow: Record<string, unknown>;
}

export interface LoadOptions {
  migrationId: string;
  leaseId: string;
  /** Two target sessions that load chunks in turn (one transaction per chunk). */
  clients: readonly [pg.ClientBase, pg.ClientBase];
  checks: BatchChecks;
  plan: Plan;
  /** `schema.table` of the target. */
  table: string;
  /** Name of the keys table in schema jivs_meta. */
  keysTable: string;
  checkpointRows: number;
  checkpointMs: number;
  maxRejects: number | undefined;
  signal: AbortSignal;
  /** Stores a chunk's rejected rows in the platform database; called before the chunk commits on the target. */
  saveRejects(chunkNo: number, rejects: RejectRecord[]): Promise<void>;
  /** Called after a chunk committed on the target, with the new ledger state and the chunk's own counts. */
  onCommitted(state: LedgerState, chunk: Counts): Promise<void>;
}

export interface LoadResult {
  outcome: 'done' | 'interrupted' | 'threshold';
  /** The last committed state. */
  state: LedgerState;
  /** Totals including rows of a chunk that was abandoned (for reporting a crossed threshold). */
  counts: Counts;
}

/** An accepted row of an open chunk, kept until the chunk commits (the target may refuse some). */
interface LoadedRow {
  rowNo: number;
  /** The source row as read (COPY text), for the reject store. */
  source: string;
  /** The target row as COPY text, without the newline. */
  line: string;
}

interface Chunk {
  client: pg.ClientBase;
  copy: CopyIn;
  rows: LoadedRow[];
  /** COPY text of the accepted rows' keys, a piece per batch. */
  keys: string[];
  rejects: RejectRecord[];
  /** This chunk's own counts and fingerprint; the ledger's totals are added at commit. */
  counts: Counts;
  fingerprint: RowsFingerprint;
  values: ChunkValues;
  resume: ResumeState | undefined;
  started: number;
}

const linesOf = (rows: LoadedRow[]) => Buffer.from(rows.length > 0 ? `${rows.map((r) => r.line).join('\n')}\n` : '', 'utf8');

/**
 * Streams source segments through the plan into the target, one chunk per target transaction
 * (about `checkpointRows` rows or `checkpointMs`), starting after `start`. Returns `interrupted`
 * when `signal` aborted (after committing or rolling back the open chunk) and `threshold` when
 * more than `maxRejects` rows were rejected (the open chunk rolled back).
 */
export async function loadSegments(segments: AsyncIterable<Segment>, start: LedgerState, o: LoadOptions): Promise<LoadResult> {
  const { plan } = o;
  const quote = (name: string) => o.clients[0].escapeIdentifier(name);
  const copyRows = `COPY ${quoteTable(o.clients[0], o.table)} (${plan.columns.map((c) => quote(c.name)).join(', ')}) FROM STDIN`;
  const copyKeys = `COPY jivs_meta.${quote(o.keysTable)} FROM STDIN`;
  const hasher = rowHasher(plan);
  const columns = plan.columns;
  const keyIndexes = plan.keyIndexes;
  const keyLine =
    keyIndexes.length === 1 ? (values: Value[]) => `${encodeField(values[keyIndexes[0]!])}\n` : (values: Value[]) => encodeRow(keyIndexes.map((i) => values[i]));
  /** The target row as COPY text: a source field passed on unchanged keeps its text as read. */
  const encode = (raw: string[], fields: Array<string | null>, values: Value[]) => {
    const out: string[] = new Array<string>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const from = columns[i]!.source;
      out[i] = from !== undefined && values[i] === fields[from] ? raw[from]! : encodeField(values[i]);
    }
    return out.join('\t');
  };

  /** The ledger's last committed state. */
  let state = start;
  /** Everything processed, committed or not: row numbers and the reject threshold. */
  const totals = added(start.counts, noCounts());
  let chunk: Chunk | undefined;
  /** The previous chunk's commit while it is in flight. */
  let committing: { chunk: Chunk; done: Promise<void> } | undefined;
  let turn = 0;
  let pending: string[] = [];
  let pendingResume: ResumeState | undefined;

  const open = async (): Promise<Chunk> => {
    const client = o.clients[turn++ % 2]!;
    await client.query('BEGIN');
    return {
      client,
      copy: new CopyIn(client, copyRows),
      rows: [],
      keys: [],
      rejects: [],
      counts: noCounts(),
      fingerprint: new RowsFingerprint(),
      values: o.checks.newChunk(committing?.chunk.values),
      resume: undefined,
      started: Date.now(),
    };
  };

  const reject = (c: Chunk, rowNo: number, fields: Array<string | null>, phase: Phase, rule: string, reason: string) => {
    c.rejects.push({ rowNo, phase, rule, reason, sourceRow: sourceRowJson(plan, fields) });
    c.counts.rejected[phase]++;
    totals.rejected[phase]++;
  };

  /** Transforms, validates and checks the pending rows, and streams the accepted ones into the chunk's COPY. */
  const flushBatch = async (c: Chunk) => {
    const candidates: Array<{ rowNo: number; source: string; raw: string[]; fields: Array<string | null>; values: Value[] }> = [];
    const row: SourceRow = { fields: [] };
    for (const source of pending) {
      const raw = source.split('\t');
      // Without a backslash the line has no escapes and no NULLs: the fields are the text.
      const fields: Array<string | null> = source.includes('\\') ? raw.map(decodeField) : raw;
      c.counts.read++;
      const rowNo = ++totals.read;
      row.fields = fields;
      row.parsed = undefined;
      const values: Value[] = new Array<Value>(columns.length);
      try {
        for (let i = 0; i < columns.length; i++) values[i] = columns[i]!.compute(row);
      } catch (e) {
        if (!(e instanceof RowRejected)) throw e;
        reject(c, rowNo, fields, 'transform', e.rule, e.message);
        continue;
      }
      let broken: RowRejected | undefined;
      for (const rule of plan.rowRules) {
        const reason = rule.check(values);
        if (reason !== undefined) {
          broken = new RowRejected(rule.name, reason);
          break;
        }
      }
      if (broken) reject(c, rowNo, fields, 'validate', broken.rule, broken.message);
      else candidates.push({ rowNo, source, raw, fields, values });
    }
    const failed = candidates.length > 0 ? await o.checks.check(candidates.map((x) => x.values), c.values) : new Map<number, Rejection>();
    const accepted: LoadedRow[] = [];
    const keys: string[] = [];
    candidates.forEach((x, n) => {
      const why = failed.get(n);
      if (why) return reject(c, x.rowNo, x.fields, 'validate', why.rule, why.reason);
      const line = encode(x.raw, x.fields, x.values);
      c.fingerprint.add(hasher.loaded(line, x.values));
      keys.push(keyLine(x.values));
      accepted.push({ rowNo: x.rowNo, source: x.source, line });
    });
    c.rows.push(...accepted);
    c.keys.push(keys.join(''));
    await c.copy.write(linesOf(accepted));
    c.resume = pendingResume;
    pending = [];
  };

  /** COPY of `rows` under a savepoint; the target's refusal is returned, and undone. */
  const loadUnderSavepoint = async (client: pg.ClientBase, rows: LoadedRow[]): Promise<Error | undefined> => {
    await client.query('SAVEPOINT jivs_reload');
    const copy = new CopyIn(client, copyRows);
    await copy.write(linesOf(rows));
    const error = await copy.finish();
    if (!error) {
      await client.query('RELEASE SAVEPOINT jivs_reload');
      return undefined;
    }
    if (!isRowError(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT jivs_reload');
    return error;
  };

  /**
   * The target refused the chunk's COPY (a constraint, a value its column does not take): load
   * it again in small savepoints, and row by row where a savepoint fails, rejecting exactly the
   * rows the target refuses.
   */
  const reload = async (c: Chunk) => {
    await c.client.query('ROLLBACK');
    await c.client.query('BEGIN');
    const kept: LoadedRow[] = [];
    for (let s = 0; s < c.rows.length; s += RELOAD_ROWS) {
      const slice = c.rows.slice(s, s + RELOAD_ROWS);
      if (!(await loadUnderSavepoint(c.client, slice))) {
        kept.push(...slice);
        continue;
      }
      for (const row of slice) {
        const error = await loadUnderSavepoint(c.client, [row]);
        if (error) reject(c, row.rowNo, decodeRow(row.source), 'load', 'target', `the target refused the row: ${error.message}`);
        else kept.push(row);
      }
    }
    c.rows = kept;
    c.fingerprint = new RowsFingerprint();
    for (const row of kept) c.fingerprint.add(hasher.target(row.line));
    c.keys = kept.map((row) => keyLine(decodeRow(row.line)));
  };

  /** Commits a chunk on its session; the caller starts it only after the previous chunk committed. */
  const commit = (c: Chunk) =>
    commitChunk(c).catch(async (e: unknown) => {
      await c.copy.abort();
      await c.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    });

  const commitChunk = async (c: Chunk) => {
    const error = await c.copy.finish();
    if (error) {
      if (!isRowError(error)) throw error;
      await reload(c);
    }
    const keys = new CopyIn(c.client, copyKeys);
    await keys.write(Buffer.from(c.keys.join(''), 'utf8'));
    const keyError = await keys.finish();
    if (keyError) throw keyError;
    c.counts.loaded = c.rows.length;
    totals.loaded += c.rows.length;
    const next: LedgerState = {
      chunkNo: state.chunkNo + 1,
      resume: c.resume,
      counts: added(state.counts, c.counts),
      fingerprint: new RowsFingerprint(state.fingerprint).plus(c.fingerprint).toJSON(),
    };
    await o.saveRejects(next.chunkNo, c.rejects);
    const { rowCount } = await c.client.query(SQL['target-record-chunk'], [
      o.migrationId,
      o.leaseId,
      next.chunkNo,
      next.resume === undefined ? null : JSON.stringify(next.resume),
      JSON.stringify(next.counts),
      JSON.stringify(next.fingerprint),
    ]);
    if (!rowCount) throw new LeaseLostError();
    await c.client.query('COMMIT');
    state = next;
    // Its rows are visible to the lookups now.
    if (chunk?.values.previous === c.values) chunk.values.previous = undefined;
    await o.onCommitted(state, c.counts);
  };

  /** Hands the open chunk to a commit that runs while the next chunk fills. */
  const startCommit = () => {
    const c = chunk!;
    chunk = undefined;
    const done = commit(c);
    committing = { chunk: c, done };
    done.then(
      () => {
        if (committing?.done === done) committing = undefined;
      },
      () => undefined, // awaited later; a failure must not go unhandled meanwhile
    );
  };

  const settle = async () => {
    const inFlight = committing;
    committing = undefined;
    await inFlight?.done;
  };

  const overThreshold = () => o.maxRejects !== undefined && rejectedTotal(totals) > o.maxRejects;

  /** Rolls an open chunk back; its rejects are kept for inspection when the run fails on them. */
  const abandon = async (keepRejects: boolean) => {
    const c = chunk;
    chunk = undefined;
    if (!c) return;
    await c.copy.abort();
    await c.client.query('ROLLBACK').catch(() => undefined);
    if (keepRejects) await o.saveRejects(state.chunkNo + 1, c.rejects);
  };

  /** The run crossed maxRejects: what is committed stays (the caller removes it), the open chunk is rolled back. */
  const crossed = async (): Promise<LoadResult> => {
    await settle();
    await abandon(true);
    return { outcome: 'threshold', state, counts: totals };
  };

  try {
    for await (const segment of segments) {
      chunk ??= await open();
      const c = chunk;
      const lines = segment.data.toString('utf8').split('\n');
      lines.pop(); // segments end with a newline
      for (const line of lines) pending.push(line);
      pendingResume = segment.resume;
      const due = c.counts.read + pending.length >= o.checkpointRows || Date.now() - c.started >= o.checkpointMs;
      const stop = o.signal.aborted || c.copy.failed;
      if (pending.length >= BATCH_ROWS || due || stop) {
        await flushBatch(c);
        if (overThreshold()) return await crossed();
      }
      if (due || stop) {
        // At most one commit in flight: the next chunk may fill while this one commits.
        await committing?.done;
        startCommit();
        if (o.signal.aborted) {
          await settle();
          return { outcome: 'interrupted', state, counts: totals };
        }
      }
    }
    if (chunk) {
      if (pending.length > 0) await flushBatch(chunk);
      if (overThreshold()) return await crossed();
      await committing?.done;
      startCommit();
    }
    await settle();
    return { outcome: overThreshold() ? 'threshold' : 'done', state, counts: totals };
  } catch (e) {
    const inFlight = committing;
    committing = undefined;
    await inFlight?.done.catch(() => undefined);
    await abandon(false);
    // Stopping mid-chunk loses nothing: the rolled-back rows come after the last ledger row.
    if (o.signal.aborted && !(e instanceof LeaseLostError)) return { outcome: 'interrupted', state, counts: state.counts };
    throw e;
  }
}
