import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import type { Principal } from '../../http/access.ts';
import { conflict, isHttpError, notFound, unprocessable } from '../../http/errors.ts';
import { admit } from '../../jobs/admission.ts';
import type { AuditModule } from '../audit/index.ts';
import { classify, isJobInputError } from '../../jobs/attempts.ts';
import type { SourcesModule } from '../sources/index.ts';
import { sourceClientConfig } from '../sources/postgres-connection.ts';
import type { MigrationDefinition } from './definition.ts';
import { isDefinitionError } from './errors.ts';
import { noCounts } from './counts.ts';
import { phasesOf, type Phases } from './phases.ts';
import { planMigration, resolveTarget } from './prepare.ts';
import type { MigrationJobData, Verification } from './runner.ts';
import { openSourceReader } from './source-reader.ts';

const SQL = sqlFiles(import.meta.dirname, [
  'insert-migration',
  'get-migration',
  'list-migrations',
  'lock-migration',
  'count-in-flight',
  'queue-run',
  'queue-rollback',
  'list-rejects',
  'count-rejects',
]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const MIGRATION_STATUSES = ['created', 'queued', 'running', 'completed', 'failed', 'rolling_back', 'rolled_back'] as const;
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];

interface MigrationRow {
  id: string;
  name: string;
  definition: MigrationDefinition;
  source_name: string | null;
  source_kind: string | null;
  target_name: string;
  status: MigrationStatus;
  phases: Phases;
  records_read: string;
  records_migrated: string;
  records_rejected: string;
  chunks: number;
  verification: Verification | null;
  rollback: Record<string, unknown> | null;
  attempts: number;
  error: string | null;
  queued_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  progress_at: Date | null;
  created_at: Date;
}

/** A migration as the API shows it. */
function present(row: MigrationRow) {
  const read = Number(row.records_read);
  const rejected = Number(row.records_rejected);
  const end = row.finished_at ?? row.progress_at ?? new Date();
  const seconds = row.started_at ? Math.max(0.001, (end.getTime() - row.started_at.getTime()) / 1000) : 0;
  const { source, target, mapping, rules, maxRejectRate, maxRejects } = row.definition;
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    source: { ...source, ...(row.source_name ? { name: row.source_name, kind: row.source_kind } : { kind: 'dataset' }) },
    target: { ...target, name: row.target_name },
    mapping,
    rules,
    maxRejectRate: maxRejectRate ?? null,
    maxRejects: maxRejects ?? null,
    phases: row.phases,
    records: { read, migrated: Number(row.records_migrated), rejected },
    /** Share of the records read that passed every transform, rule and the target. */
    successRate: read > 0 ? Math.round(((read - rejected) / read) * 10_000) / 10_000 : null,
    recordsPerSecond: seconds > 0 ? Math.round(read / seconds) : 0,
    chunks: row.chunks,
    verification: row.verification,
    rollback: row.rollback,
    attempts: row.attempts,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    queuedAt: row.queued_at?.toISOString() ?? null,
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

export type MigrationView = ReturnType<typeof present>;

/** Who asked, for the audit trail. */
export interface Actor {
  principal: Principal;
  ip: string;
}

/** A source that cannot be read as defined: 422 with the reason. */
function sourceProblem(e: unknown): Error {
  const error = classify(e);
  if (isJobInputError(error)) return unprocessable(`source: ${error.message}`);
  return unprocessable(`source: cannot read it now: ${(error as Error).message}`);
}

/** Migrations: create (validated against source and target), start and roll back through the pool's admission, inspect. */
export function createMigrationService(ctx: AppContext, deps: { sources: SourcesModule; audit: AuditModule }, salt: Buffer) {
  const countInFlight = async (client: pg.PoolClient) => (await client.query<{ n: number }>(SQL['count-in-flight'])).rows[0]!.n;

  const audit = (actor: Actor, action: string, id: string, details: Record<string, unknown>, client: pg.PoolClient) =>
    deps.audit.record(
      {
        actor: { userId: actor.principal.userId, username: actor.principal.username, role: actor.principal.role },
        action,
        target: `migration:${id}`,
        outcome: 'success',
        sourceIp: actor.ip,
        details,
      },
      client,
    );

  async function lock(tx: pg.PoolClient, id: string): Promise<MigrationStatus> {
    const { rows } = UUID.test(id) ? await tx.query<{ status: MigrationStatus }>(SQL['lock-migration'], [id]) : { rows: [] };
    if (!rows[0]) throw notFound('migration', id);
    return rows[0].status;
  }

  async function get(id: string): Promise<MigrationView> {
    if (!UUID.test(id)) throw notFound('migration', id);
    // Read-your-writes: a client polling its own migration must see the latest state.
    const { rows } = await ctx.db.write.query<MigrationRow>(SQL['get-migration'], [id]);
    if (!rows[0]) throw notFound('migration', id);
    return present(rows[0]);
  }

  /** Everything that can be checked before anything is created: the source, the target, and the plan between them. */
  async function validate(definition: MigrationDefinition): Promise<void> {
    let columns;
    try {
      const { reader } = await openSourceReader(ctx, deps.sources, definition.source);
      columns = reader.columns;
      await reader.close();
    } catch (e) {
      throw sourceProblem(e);
    }
    const target = await resolveTarget(deps.sources, definition).catch((e: unknown) => {
      if (isHttpError(e) && e.status === 404) throw unprocessable(`target: data source ${definition.target.sourceId} does not exist`);
      const error = classify(e);
      throw unprocessable(`target: ${(error as Error).message}`);
    });
    // Describing the target needs no writes: the session is read-only like a source's.
    const client = new pg.Client(sourceClientConfig(target.settings, target.secret));
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      throw unprocessable(`target: cannot connect to ${target.name}: ${(e as Error).message || String(e)}; check it with POST /api/v1/sources/${target.id}/test`);
    }
    try {
      await planMigration(client, definition, columns, salt);
    } catch (e) {
      if (isDefinitionError(e)) throw unprocessable(e.message, { path: e.path });
      const error = classify(e);
      if (isJobInputError(error)) throw unprocessable(`target: ${error.message}`);
      throw e;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  return {
    get,

    async create(name: string, definition: MigrationDefinition, actor: Actor): Promise<MigrationView> {
      await validate(definition);
      const id = randomUUID();
      await ctx.db.transaction(async (tx) => {
        await tx.query(SQL['insert-migration'], [
          id,
          name,
          JSON.stringify(definition),
          'sourceId' in definition.source ? definition.source.sourceId : null,
          definition.target.sourceId,
          JSON.stringify(phasesOf('pending', noCounts())),
          actor.principal.userId,
        ]);
        await audit(actor, 'migration.create', id, { name, targetTable: definition.target.table }, tx);
      });
      return get(id);
    },

    async start(id: string, actor: Actor): Promise<MigrationView> {
      await ctx.db.transaction(async (tx) => {
        const status = await lock(tx, id);
        if (status === 'queued' || status === 'running' || status === 'rolling_back') throw conflict(`migration ${id} is ${status.replace('_', ' ')}`);
        if (status === 'completed') throw conflict(`migration ${id} is completed; roll it back first to run it again, or create a new migration`);
        await admit(tx, 'migration', ctx.config.jobs.pools, countInFlight, ctx.metrics);
        await tx.query(SQL['queue-run'], [id, JSON.stringify(phasesOf('pending', noCounts()))]);
        await ctx.queue.send('migration', { migrationId: id, action: 'run' } satisfies MigrationJobData, tx);
        await audit(actor, 'migration.start', id, { previousStatus: status }, tx);
      });
      return get(id);
    },

    async rollback(id: string, actor: Actor): Promise<MigrationView> {
      await ctx.db.transaction(async (tx) => {
        const status = await lock(tx, id);
        if (status !== 'completed' && status !== 'failed') {
          throw conflict(
            status === 'created' || status === 'rolled_back'
              ? `migration ${id} has loaded nothing to roll back (it is ${status.replace('_', ' ')})`
              : `migration ${id} is ${status.replace('_', ' ')}; roll back a completed or failed migration`,
          );
        }
        await admit(tx, 'migration', ctx.config.jobs.pools, countInFlight, ctx.metrics);
        await tx.query(SQL['queue-rollback'], [id]);
        await ctx.queue.send('migration', { migrationId: id, action: 'rollback' } satisfies MigrationJobData, tx);
        await audit(actor, 'migration.rollback', id, {}, tx);
      });
      return get(id);
    },

    async list(status: MigrationStatus | undefined, limit: number, offset: number): Promise<MigrationView[]> {
      const { rows } = await ctx.db.read().query<MigrationRow>(SQL['list-migrations'], [status ?? null, limit, offset]);
      return rows.map(present);
    },

    async rejects(id: string, rule: string | undefined, limit: number, offset: number) {
      await get(id);
      const db = ctx.db.read();
      const [{ rows }, count] = await Promise.all([
        db.query<{ row_no: string; phase: string; rule: string; reason: string; source_row: unknown }>(SQL['list-rejects'], [id, rule ?? null, limit, offset]),
        db.query<{ n: string }>(SQL['count-rejects'], [id, rule ?? null]),
      ]);
      return {
        total: Number(count.rows[0]!.n),
        items: rows.map((r) => ({ rowNumber: Number(r.row_no), phase: r.phase, rule: r.rule, reason: r.reason, sourceRow: r.source_row })),
      };
    },
  };
}

export type MigrationService = ReturnType<typeof createMigrationService>;
