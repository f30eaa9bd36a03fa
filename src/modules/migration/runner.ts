import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { RETRY_LIMIT, type JobRun } from '../../jobs/queue.ts';
import { named } from '../../observability/logger.ts';
import { isLeaseLost, LeaseLostError } from '../../jobs/attempts.ts';
import { encodeRow } from '../extraction/copy-text.ts';
import { classify, JobInputError, HandedBackError, isJobInputError, isHandedBack } from '../../jobs/attempts.ts';
import type { ExtractionReader } from '../extraction/readers/reader.ts';
import type { SourcesModule } from '../sources/index.ts';
import { createBatchChecks } from './batch-checks.ts';
import { CopyIn } from '../../data/copy-in.ts';
import type { MigrationDefinition } from './definition.ts';
import { isDefinitionError } from './errors.ts';
import { noCounts, rejectedTotal, type Counts } from './counts.ts';
import { emptyLedger, loadSegments, type LedgerState, type RejectRecord } from './loader.ts';
import type { MigrationMetrics } from './metrics.ts';
import { phasesOf, rolledBack, type Phases, type Stage } from './phases.ts';
import { planMigration, resolveTarget } from './prepare.ts';
import { openSourceReader } from './source-reader.ts';
import { keysTableName, removeLoaded, restartTarget, takeTarget, targetPool } from './target.ts';
import { fingerprintLoaded } from './verify.ts';

const SQL = sqlFiles(import.meta.dirname, [
  'claim-run',
  'claim-rollback',
  'lock-own-migration',
  'delete-rejects-after',
  'copy-rejects',
  'mirror-progress',
  'finish-run',
  'finish-rollback',
  'target-last-chunk',
]);

export interface MigrationJobData {
  migrationId: string;
  action: 'run' | 'rollback';
}

/** What the verify phase compared. */
export interface Verification {
  /** Count and fingerprint of the rows as they were loaded. */
  loaded: { rows: number; checksum: string };
  /** The same, of those rows read back from the target by their keys. */
  target: { rows: number; checksum: string };
  match: boolean;
  verifyMs: number;
}

/** Errors retrying cannot fix: the job fails at once with their message. */
function permanent(e: unknown): unknown {
  if (isDefinitionError(e)) return new JobInputError(`the migration no longer fits its source or target: ${e.message}`, { cause: e });
  return classify(e);
}

/**
 * The worker side of migrations: one call per attempt of a run (extract → transform → validate
 * → load, streaming chunk by chunk, then verify) or of a rollback. Every attempt ends in one log
 * line starting with `decision:`.
 */
export function createMigrationRunner(ctx: AppContext, sources: SourcesModule, metrics: MigrationMetrics, salt: Buffer) {
  const log = named(ctx.log, 'migration');

  async function runMigration(run: JobRun<MigrationJobData>): Promise<void> {
    const id = run.data.migrationId;
    const leaseId = randomUUID();
    const claimed = (await ctx.db.write.query<{ definition: MigrationDefinition }>(SQL['claim-run'], [id, leaseId])).rows[0];
    if (!claimed) {
      log.info({ migration_id: id }, 'decision: skip, the migration is no longer queued or running');
      return;
    }
    const definition = claimed.definition;
    const table = definition.target.table;
    const keysTable = keysTableName(id);
    const started = performance.now();
    const fields = { migration_id: id, attempt: run.attempt + 1 };
    const elapsed = () => (performance.now() - started) / 1000;
    let counts: Counts = noCounts();
    let stage: Stage = 'streaming';
    let reader: ExtractionReader | undefined;
    let pool: pg.Pool | undefined;

    const finish = async (status: 'completed' | 'failed' | 'queued', error: string | null, phases: Phases, verification?: Verification) => {
      await ctx.db.write.query(SQL['finish-run'], [
        id,
        leaseId,
        status,
        error,
        JSON.stringify(phases),
        verification ? JSON.stringify(verification) : null,
        counts.read,
        stage === 'threshold' ? 0 : counts.loaded,
        rejectedTotal(counts),
      ]);
    };
    const mirror = async (state: LedgerState) => {
      counts = state.counts;
      const { rowCount } = await ctx.db.write.query(SQL['mirror-progress'], [
        id,
        leaseId,
        counts.read,
        counts.loaded,
        rejectedTotal(counts),
        state.chunkNo,
        JSON.stringify(phasesOf(stage, counts)),
      ]);
      if (!rowCount) throw new LeaseLostError();
    };
    /** Runs `fn` in a platform transaction that holds off a takeover; throws LeaseLost when the lease is gone. */
    const fenced = (fn: (tx: pg.PoolClient) => Promise<void>) =>
      ctx.db.transaction(async (tx) => {
        if (!(await tx.query(SQL['lock-own-migration'], [id, leaseId])).rowCount) throw new LeaseLostError();
        await fn(tx);
      });
    const saveRejects = async (chunkNo: number, rejects: RejectRecord[]) => {
      if (rejects.length === 0) return;
      await fenced(async (tx) => {
        const copy = new CopyIn(tx, SQL['copy-rejects']);
        const lines = rejects.map((r) => encodeRow([id, String(r.rowNo), String(chunkNo), r.phase, r.rule, r.reason, JSON.stringify(r.sourceRow)]));
        await copy.write(Buffer.from(lines.join(''), 'utf8'));
        const error = await copy.finish();
        if (error) throw error;
      });
    };
    /** Removes what the run loaded because too many rows were rejected; the run fails with the reason. */
    const failOnRejects = async (client: pg.PoolClient, reason: string) => {
      stage = 'threshold';
      const removal = await removeLoaded(client, { migrationId: id, leaseId, table, lease: 'own' });
      const error = `${reason}; the rows this run loaded were removed from the target (${removal.rowsDeleted} rows${removal.tableDropped ? ', and the table it created' : ''}); see the rejects, fix the source or the rules, and start it again`;
      await finish('failed', error, phasesOf('threshold', counts));
      metrics.runs.inc({ outcome: 'threshold_exceeded' });
      metrics.duration.observe({ outcome: 'threshold_exceeded' }, elapsed());
      log.warn({ ...fields, records_read: counts.read, records_rejected: rejectedTotal(counts) }, `decision: failed, ${error}`);
    };

    try {
      const target = await resolveTarget(sources, definition);
      reader = (await openSourceReader(ctx, sources, definition.source)).reader;
      // Two sessions load chunks in turn; a third looks rows up for the batch checks.
      pool = targetPool(target, 3);
      const sessions: pg.PoolClient[] = [];
      try {
        for (let i = 0; i < 3; i++) sessions.push(await pool.connect());
        const [client, other, probe] = sessions as [pg.PoolClient, pg.PoolClient, pg.PoolClient];
        const plan = await planMigration(probe, definition, reader.columns, salt);
        const { targetHadRows } = await takeTarget(client, { migrationId: id, leaseId, table, plan });
        const last = (await client.query<{ chunk_no: number; resume: LedgerState['resume'] | null; counts: Counts; fingerprint: LedgerState['fingerprint'] }>(SQL['target-last-chunk'], [id])).rows[0];
        let ledger: LedgerState = last
          ? { chunkNo: last.chunk_no, resume: last.resume ?? undefined, counts: last.counts, fingerprint: last.fingerprint }
          : emptyLedger();
        if (ledger.chunkNo > 0 && !reader.resumable) {
          const deleted = await restartTarget(client, { migrationId: id, leaseId, table });
          log.info({ ...fields, records_deleted: deleted }, 'the source cannot resume where it stopped: starting it over, with the rows loaded so far removed');
          ledger = emptyLedger();
        }
        // Rejects of chunks that never committed on the target belong to no row that counts.
        await fenced(async (tx) => {
          await tx.query(SQL['delete-rejects-after'], [id, ledger.chunkNo]);
        });
        await mirror(ledger);
        log.info(
          { ...fields, records_done: ledger.counts.read, chunk_no: ledger.chunkNo },
          ledger.chunkNo > 0 ? `resuming after ${ledger.counts.read} source records (chunk ${ledger.chunkNo})` : 'starting migration',
        );

        const result = await loadSegments(reader.segments(ledger.resume, run.signal), ledger, {
          migrationId: id,
          leaseId,
          clients: [client, other],
          checks: createBatchChecks(plan, { probe, table, probeKeys: targetHadRows }),
          plan,
          table,
          keysTable,
          checkpointRows: ctx.config.jobs.checkpointRows,
          checkpointMs: 5000,
          maxRejects: definition.maxRejects,
          signal: run.signal,
          saveRejects,
          onCommitted: async (state, chunk) => {
            await mirror(state);
            metrics.records.inc({ result: 'migrated' }, chunk.loaded);
            metrics.records.inc({ result: 'rejected' }, rejectedTotal(chunk));
            log.debug({ ...fields, chunk_no: state.chunkNo, records_migrated: state.counts.loaded }, 'chunk committed');
          },
        });
        counts = result.counts;

        if (result.outcome === 'interrupted') {
          await finish('queued', null, phasesOf('streaming', counts));
          metrics.duration.observe({ outcome: 'interrupted' }, elapsed());
          log.info({ ...fields, records_read: counts.read }, 'decision: handed back at a chunk boundary; another attempt resumes it');
          throw new HandedBackError();
        }
        if (result.outcome === 'threshold') {
          await failOnRejects(client, `more than maxRejects (${definition.maxRejects}) rows were rejected: ${rejectedTotal(counts)} of ${counts.read} read`);
          return;
        }
        const rate = counts.read > 0 ? rejectedTotal(counts) / counts.read : 0;
        if (definition.maxRejectRate !== undefined && rate > definition.maxRejectRate) {
          await failOnRejects(client, `the reject rate ${(rate * 100).toFixed(2)}% (${rejectedTotal(counts)} of ${counts.read}) is above maxRejectRate ${definition.maxRejectRate}`);
          return;
        }

        stage = 'verifying';
        await mirror(result.state);
        const verifyStarted = performance.now();
        const read = await fingerprintLoaded([client, other], { table, keysTable, plan });
        const loaded = { rows: result.state.fingerprint.rows, checksum: result.state.fingerprint.sum };
        const verification: Verification = {
          loaded,
          target: read,
          match: loaded.rows === read.rows && loaded.checksum === read.checksum,
          verifyMs: Math.round(performance.now() - verifyStarted),
        };
        if (!verification.match) {
          stage = 'unverified';
          const error = `verification failed: ${loaded.rows} rows were loaded (checksum ${loaded.checksum}) but the target holds ${read.rows} of them (checksum ${read.checksum}); the target was changed during the migration, or a type renders differently there; roll it back and start again`;
          await finish('failed', error, phasesOf(stage, counts), verification);
          metrics.runs.inc({ outcome: 'verification_failed' });
          metrics.duration.observe({ outcome: 'verification_failed' }, elapsed());
          log.warn({ ...fields, records_migrated: loaded.rows }, `decision: failed, ${error}`);
          return;
        }
        stage = 'verified';
        await finish('completed', null, phasesOf(stage, counts), verification);
        metrics.runs.inc({ outcome: 'completed' });
        metrics.duration.observe({ outcome: 'completed' }, elapsed());
        log.info(
          { ...fields, records_read: counts.read, records_migrated: counts.loaded, records_rejected: rejectedTotal(counts), duration_ms: Math.round(elapsed() * 1000) },
          'decision: completed; the loaded rows read back from the target with the same count and checksum',
        );
      } finally {
        for (const session of sessions) session.release();
      }
    } catch (e) {
      const error = permanent(e);
      if (isLeaseLost(error)) {
        metrics.duration.observe({ outcome: 'lease_lost' }, elapsed());
        log.warn(fields, 'decision: stop, another worker owns this migration now');
        return;
      }
      if (isHandedBack(error)) throw error;
      const message = (error as Error).message;
      const failedStage: Stage = stage === 'verifying' ? 'unverified' : 'stream_failed';
      if (isJobInputError(error) || run.attempt >= RETRY_LIMIT) {
        await finish('failed', message, phasesOf(failedStage, counts));
        metrics.runs.inc({ outcome: 'failed' });
        metrics.duration.observe({ outcome: 'failed' }, elapsed());
        log.warn({ ...fields, error: message }, 'decision: failed; retrying cannot help');
        return;
      }
      await finish('queued', `attempt ${run.attempt + 1} failed: ${message}; retrying`, phasesOf(stage, counts));
      metrics.duration.observe({ outcome: 'retry' }, elapsed());
      log.warn({ ...fields, error: message }, 'decision: retry from the last committed chunk');
      throw error;
    } finally {
      await reader?.close();
      await pool?.end();
    }
  }

  async function runRollback(run: JobRun<MigrationJobData>): Promise<void> {
    const id = run.data.migrationId;
    const leaseId = randomUUID();
    const claimed = (await ctx.db.write.query<{ definition: MigrationDefinition; phases: Phases }>(SQL['claim-rollback'], [id, leaseId])).rows[0];
    if (!claimed) {
      log.info({ migration_id: id }, 'decision: skip, no rollback is pending for this migration');
      return;
    }
    const started = performance.now();
    const fields = { migration_id: id, attempt: run.attempt + 1 };
    const elapsed = () => (performance.now() - started) / 1000;
    const finish = (status: 'rolled_back' | 'failed' | 'rolling_back', error: string | null, rollback: object, phases: Phases | null) =>
      ctx.db.write.query(SQL['finish-rollback'], [id, leaseId, status, error, JSON.stringify(rollback), phases ? JSON.stringify(phases) : null]);
    let pool: pg.Pool | undefined;
    try {
      pool = targetPool(await resolveTarget(sources, claimed.definition), 1);
      const client = await pool.connect();
      try {
        const removal = await removeLoaded(client, { migrationId: id, leaseId, table: claimed.definition.target.table, lease: 'take' });
        await finish('rolled_back', null, { status: 'completed', ...removal, finishedAt: new Date().toISOString() }, rolledBack(claimed.phases));
        metrics.runs.inc({ outcome: 'rolled_back' });
        metrics.duration.observe({ outcome: 'rolled_back' }, elapsed());
        log.info({ ...fields, records_deleted: removal.rowsDeleted, table_dropped: removal.tableDropped }, 'decision: rolled back; the target holds none of the rows this migration loaded');
      } finally {
        client.release();
      }
    } catch (e) {
      const error = permanent(e);
      const message = (error as Error).message;
      if (isJobInputError(error) || run.attempt >= RETRY_LIMIT) {
        await finish('failed', `rollback failed: ${message}`, { status: 'failed', error: message }, null);
        metrics.runs.inc({ outcome: 'rollback_failed' });
        metrics.duration.observe({ outcome: 'rollback_failed' }, elapsed());
        log.warn({ ...fields, error: message }, 'decision: rollback failed; retrying cannot help');
        return;
      }
      await finish('rolling_back', `rollback attempt ${run.attempt + 1} failed: ${message}; retrying`, { status: 'queued' }, null);
      log.warn({ ...fields, error: message }, 'decision: retry the rollback');
      throw error;
    } finally {
      await pool?.end();
    }
  }

  return (run: JobRun<MigrationJobData>) => (run.data.action === 'rollback' ? runRollback(run) : runMigration(run));
}
