import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { badRequest, conflict, notFound, unprocessable } from '../../http/errors.ts';
import type { AuditModule } from '../audit/index.ts';
import { auditEntry, type Actor } from './actor.ts';
import { admitCompliance } from './pool.ts';
import { archiveTable, datasetsWithPii, isUuid } from './datasets.ts';
import type { ComplianceMetrics } from './metrics.ts';
import type { Scalar } from './row-sql.ts';
import type { CreateRequestBody } from './schemas.ts';

const SQL = sqlFiles(import.meta.dirname, [
  'insert-request',
  'list-requests',
  'get-receipt',
  'reject-request',
  'get-export',
  'list-export-parts',
]);

/** Job data of a data-subject request. */
export interface RequestJob {
  kind: 'request';
  requestId: string;
}

interface RequestRow {
  id: string;
  type: string;
  regulation: string;
  erasure_mode: string | null;
  subject: Record<string, string>;
  rectification: Record<string, Scalar> | null;
  status: string;
  received_at: Date;
  due_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  attempts: number;
  reason: string | null;
  result: unknown;
  receipt_sha256: string | null;
  created_by: string | null;
  overdue: boolean;
}

const present = (r: RequestRow) => ({
  id: r.id,
  type: r.type,
  regulation: r.regulation,
  mode: r.erasure_mode,
  status: r.status,
  subject: r.subject,
  rectification: r.rectification,
  receivedAt: r.received_at.toISOString(),
  dueAt: r.due_at.toISOString(),
  overdue: r.overdue,
  startedAt: r.started_at?.toISOString() ?? null,
  completedAt: r.completed_at?.toISOString() ?? null,
  attempts: r.attempts,
  reason: r.reason,
  result: r.result ?? null,
  receiptSha256: r.receipt_sha256,
  createdBy: r.created_by,
});

export interface RequestFilter {
  status?: string | undefined;
  type?: string | undefined;
  overdue?: boolean | undefined;
  limit: number;
  offset: number;
}

/** A PostgreSQL data exception or integrity violation: the values are wrong, retrying cannot help. */
export function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}

/** Data-subject requests: intake (validated before any job starts), listing, rejection, exports. */
export function createRequests(ctx: AppContext, audit: AuditModule, metrics: ComplianceMetrics) {
  async function find(db: pg.Pool, id: string): Promise<RequestRow | undefined> {
    if (!isUuid(id)) return undefined;
    return (await db.query<RequestRow>(SQL['list-requests'], [id, null, null, null, 1, 0])).rows[0];
  }

  async function get(id: string) {
    // Read-your-writes: a client polling its own request must see the latest state.
    const row = await find(ctx.db.write, id);
    if (!row) throw notFound('data-subject request', id);
    const { rows } = await ctx.db.write.query<{ receipt: string | null }>(SQL['get-receipt'], [id]);
    return { ...present(row), receipt: rows[0]?.receipt ? (JSON.parse(rows[0].receipt) as unknown) : null };
  }

  /**
   * Every rectified key must name a column of some dataset or a catalogued JSON field, and each
   * value must be storable in every column it would be written to, so a bad value is a 422 now
   * and not a failed job later. Values are tried in a transaction that is always rolled back.
   */
  async function checkRectification(changes: Record<string, Scalar>): Promise<void> {
    const datasets = await datasetsWithPii(ctx.db.read());
    const writes: Array<{ key: string; datasetId: string; table: string; column: string; type: string }> = [];
    for (const key of Object.keys(changes)) {
      const columns = datasets.flatMap((d) =>
        d.columns.filter((c) => c.name === key).map((c) => ({ key, datasetId: d.id, table: d.tableName, column: c.name, type: c.type })),
      );
      const field = datasets.some((d) => d.pii.some((e) => e.jsonPath.length > 0 && e.jsonPath.join('.') === key));
      if (columns.length === 0 && !field) {
        throw unprocessable(`rectification: "${key}" is neither a column nor a catalogued JSON field of any archived dataset`);
      }
      if (changes[key] !== null) writes.push(...columns);
    }
    if (writes.length === 0) return;
    const client = await ctx.db.write.connect();
    try {
      await client.query('BEGIN');
      for (const w of writes) {
        await client.query('SAVEPOINT try_value');
        try {
          await client.query(`INSERT INTO ${archiveTable(client, w.table)} (${client.escapeIdentifier(w.column)}) VALUES ($1)`, [
            String(changes[w.key]),
          ]);
        } catch (e) {
          if (!isDataError(e)) throw e;
          throw unprocessable(
            `rectification: the value for "${w.key}" does not fit column ${w.column} (${w.type}) of dataset ${w.datasetId}: ${(e as Error).message}`,
          );
        }
        await client.query('ROLLBACK TO SAVEPOINT try_value');
      }
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }

  return {
    get,

    async create(body: CreateRequestBody, actor: Actor) {
      if (body.rectification) await checkRectification(body.rectification);
      const id = randomUUID();
      const mode = body.type === 'erasure' ? (body.mode ?? 'delete') : null;
      await ctx.db.transaction(async (client) => {
        await admitCompliance(ctx, client);
        await client.query(SQL['insert-request'], [
          id,
          body.type,
          body.regulation,
          mode,
          JSON.stringify(body.subject),
          body.rectification ? JSON.stringify(body.rectification) : null,
          actor.userId,
        ]);
        await ctx.queue.send('compliance', { kind: 'request', requestId: id } satisfies RequestJob, client);
        await audit.record(
          auditEntry(actor, 'subject.request', `compliance_request:${id}`, {
            type: body.type,
            regulation: body.regulation,
            mode,
            identifiers: Object.keys(body.subject),
            ...(body.rectification ? { rectifies: Object.keys(body.rectification) } : {}),
          }),
          client,
        );
      });
      metrics.requests.inc({ type: body.type, regulation: body.regulation, status: 'received' });
      return get(id);
    },

    async list(filter: RequestFilter) {
      const { status, type, overdue, limit, offset } = filter;
      const { rows } = await ctx.db.read().query<RequestRow>(SQL['list-requests'], [null, status ?? null, type ?? null, overdue ?? null, limit, offset]);
      return rows.map(present);
    },

    async reject(id: string, reason: string, actor: Actor) {
      if (!isUuid(id)) throw notFound('data-subject request', id);
      await ctx.db.transaction(async (client) => {
        const { rows } = await client.query<{ type: string; regulation: string }>(SQL['reject-request'], [id, reason]);
        if (!rows[0]) {
          if (!(await find(ctx.db.write, id))) throw notFound('data-subject request', id);
          throw conflict(`request ${id} is no longer open; only received or in-progress requests can be rejected`);
        }
        await audit.record(auditEntry(actor, 'subject.request.reject', `compliance_request:${id}`, { reason }), client);
        metrics.requests.inc({ type: rows[0].type, regulation: rows[0].regulation, status: 'rejected' });
      });
      return get(id);
    },

    /** The receipt exactly as hashed. */
    async receipt(id: string): Promise<{ text: string; sha256: string }> {
      const row = await find(ctx.db.write, id);
      if (!row) throw notFound('data-subject request', id);
      const { rows } = await ctx.db.write.query<{ receipt: string | null; receipt_sha256: string | null }>(SQL['get-receipt'], [id]);
      if (!rows[0]?.receipt || !rows[0].receipt_sha256) throw conflict(`request ${id} has no receipt yet: it is ${row.status}`);
      return { text: rows[0].receipt, sha256: rows[0].receipt_sha256 };
    },

    /** A download of an access or portability export: the JSON bundle, or one dataset's CSV. */
    async exportFile(id: string, format: 'json' | 'csv', datasetId: string | undefined, actor: Actor) {
      const row = await find(ctx.db.write, id);
      if (!row) throw notFound('data-subject request', id);
      if (row.type !== 'access' && row.type !== 'portability') {
        throw conflict(`request ${id} is an ${row.type} request; only access and portability requests have an export`);
      }
      if (row.status !== 'completed') throw conflict(`the export is ready once the request is completed; it is ${row.status}`);
      let part = 'bundle';
      if (format === 'csv') {
        const parts = (await ctx.db.write.query<{ part: string }>(SQL['list-export-parts'], [id])).rows.map((r) => r.part);
        if (datasetId !== undefined) {
          if (!parts.includes(datasetId)) throw notFound(`CSV export of request ${id} for dataset`, datasetId);
          part = datasetId;
        } else if (parts.length === 1) {
          part = parts[0]!;
        } else {
          throw badRequest(`this export has one CSV file per dataset; choose one with ?datasetId= (one of: ${parts.join(', ') || 'none'})`);
        }
      }
      const { rows } = await ctx.db.write.query<{ content: string; sha256: string }>(SQL['get-export'], [id, format, part]);
      const file = rows[0];
      if (!file) throw notFound(`${format} export of request`, id);
      const details = { format, part, bytes: Buffer.byteLength(file.content), sha256: file.sha256 };
      await audit.record(auditEntry(actor, 'subject.export', `compliance_request:${id}`, details));
      const name = part === 'bundle' ? `subject-export-${id}.json` : `subject-export-${id}-${part}.csv`;
      return { ...file, name, contentType: format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8' };
    },
  };
}

export type Requests = ReturnType<typeof createRequests>;
