import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { RETRY_LIMIT, type JobRun } from '../../jobs/queue.ts';
import { named } from '../../observability/logger.ts';
import type { AuditModule } from '../audit/index.ts';
import { isLeaseLost, LeaseLostError } from '../../jobs/attempts.ts';
import { auditEntry, SERVICE } from './actor.ts';
import { identifiesIn, type Subject } from './categories.ts';
import { toCsv } from './csv.ts';
import { activeHolds, archiveTable, datasetsWithPii, lockDatasets, type DatasetWithPii } from './datasets.ts';
import type { Discovery } from './discovery.ts';
import type { ComplianceMetrics } from './metrics.ts';
import { buildReceipt, sha256, subjectDigest, type DatasetOutcome, type ErasureMode, type RequestType } from './receipt.ts';
import { isDataError, type RequestJob } from './requests.ts';
import { anonymiseAssignments, rectifyAssignments, SqlParams, subjectPredicate, type Scalar } from './row-sql.ts';
import { describeTarget, effectiveTargets } from './targets.ts';

const SQL = sqlFiles(import.meta.dirname, [
  'claim-request',
  'lock-own-request',
  'finish-request',
  'end-request',
  'retry-request',
  'insert-export',
  'update-row-count',
]);

interface ClaimedRequest {
  id: string;
  type: RequestType;
  regulation: string;
  erasure_mode: ErasureMode | null;
  subject: Subject;
  rectification: Record<string, Scalar> | null;
  received_at: Date;
  due_at: Date;
  started_at: Date;
  created_by: string | null;
}

interface Located {
  dataset: DatasetWithPii;
  outcome: DatasetOutcome;
  /** `WHERE` condition on alias `t` matching the subject's rows, with its parameters; none when no column can hold an identifier. */
  where: string | undefined;
  params: SqlParams;
}

/** Where the subject can be found in one dataset: the searched targets and the matching condition. */
function locate(dataset: DatasetWithPii, subject: Subject, escape: (s: string) => string): Located {
  const params = new SqlParams();
  const searched = effectiveTargets(dataset).filter((t) => identifiesIn(t.category, subject));
  return {
    dataset,
    where: subjectPredicate(searched, subject, params, escape),
    params,
    outcome: {
      datasetId: dataset.id,
      table: `archive.${dataset.tableName}`,
      searched: searched.map(describeTarget),
      rowsMatched: 0,
      rowsAffected: 0,
      blockedBy: [],
    },
  };
}

// JSON text of `head` with an array member appended from JSON texts (records as PostgreSQL wrote
// them), so numbers, timestamps and nested JSON reach the export exactly, without a parse round trip.
const withArray = (head: object, key: string, items: string[]) =>
  `${JSON.stringify(head).slice(0, -1)},${JSON.stringify(key)}:[${items.join(',')}]}`;

/**
 * The worker side of data-subject requests: one call per attempt. Access and portability read
 * a consistent snapshot of every archive; erasure and rectification change every archive in one
 * transaction, which also writes the receipt and the audit entry, so they happen entirely or not
 * at all. Every attempt ends in one `decision:` log line.
 */
export function createRequestRunner(ctx: AppContext, audit: AuditModule, discovery: Discovery, metrics: ComplianceMetrics) {
  const log = named(ctx.log, 'compliance');

  async function finish(
    client: pg.PoolClient,
    request: ClaimedRequest,
    leaseId: string,
    outcomes: DatasetOutcome[],
  ): Promise<{ status: string; rowsMatched: number; rowsAffected: number; exceptions: number }> {
    const completedAt = new Date();
    const receipt = buildReceipt({
      requestId: request.id,
      type: request.type,
      regulation: request.regulation,
      erasureMode: request.erasure_mode,
      subject: request.subject,
      receivedAt: request.received_at,
      dueAt: request.due_at,
      startedAt: request.started_at,
      completedAt,
      datasets: outcomes,
    });
    const summary = {
      status: receipt.status,
      datasets: outcomes.length,
      rowsMatched: outcomes.reduce((n, o) => n + o.rowsMatched, 0),
      rowsAffected: outcomes.reduce((n, o) => n + o.rowsAffected, 0),
      exceptions: receipt.exceptions,
    };
    // A completed erasure must not keep the identifiers it erased: only their digests stay. One
    // that legal holds stopped keeps them, to be repeated once the holds are released.
    const erased = request.type === 'erasure' && receipt.status === 'completed';
    const subject = erased ? JSON.stringify(subjectDigest(request.subject)) : null;
    await client.query(SQL['finish-request'], [
      request.id,
      leaseId,
      summary.status,
      JSON.stringify(summary),
      receipt.text,
      receipt.sha256,
      subject,
      completedAt,
    ]);
    const action = { access: 'subject.access', portability: 'subject.portability', erasure: 'subject.erase', rectification: 'subject.rectify' }[
      request.type
    ];
    const details = { ...summary, requestedBy: request.created_by, receiptSha256: receipt.sha256 };
    await audit.record(auditEntry(SERVICE, action, `compliance_request:${request.id}`, details), client);
    return summary;
  }

  /** Access and portability: every matching record of every dataset, as one JSON bundle and one CSV per dataset. */
  async function exportSubject(request: ClaimedRequest, leaseId: string) {
    const located: Located[] = [];
    const parts: string[] = [];
    const csvs = new Map<string, string>();
    const reader = await ctx.db.analytics.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await reader.query('SET LOCAL statement_timeout = 0');
      for (const dataset of await datasetsWithPii(reader)) {
        const at = locate(dataset, request.subject, (s) => reader.escapeIdentifier(s));
        const columns = dataset.columns.map((c) => c.name);
        let rows: string[][] = [];
        if (at.where) {
          const list = columns.map((c) => `t.${reader.escapeIdentifier(c)}::text`).join(', ');
          ({ rows } = await reader.query<string[]>({
            text: `SELECT row_to_json(t)::text, ${list} FROM ${archiveTable(reader, dataset.tableName)} AS t WHERE ${at.where}`,
            values: at.params.values,
            rowMode: 'array',
          }));
        }
        at.outcome.rowsMatched = at.outcome.rowsAffected = rows.length;
        located.push(at);
        const csv = `/api/v1/compliance/requests/${request.id}/export?format=csv&datasetId=${dataset.id}`;
        parts.push(withArray({ datasetId: dataset.id, table: at.outcome.table, columns, csv }, 'records', rows.map((r) => r[0]!)));
        csvs.set(dataset.id, toCsv(columns, rows.map((r) => r.slice(1))));
      }
      await reader.query('COMMIT');
    } catch (e) {
      await reader.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      reader.release();
    }
    const head = {
      export: 'jivs-subject-export/1',
      requestId: request.id,
      type: request.type,
      regulation: request.regulation,
      generatedAt: new Date().toISOString(),
    };
    const bundle = withArray(head, 'datasets', parts);
    return ctx.db.transaction(async (client) => {
      if ((await client.query(SQL['lock-own-request'], [request.id, leaseId])).rowCount === 0) throw new LeaseLostError();
      await client.query(SQL['insert-export'], [request.id, 'json', 'bundle', bundle, sha256(bundle)]);
      for (const [datasetId, csv] of csvs) await client.query(SQL['insert-export'], [request.id, 'csv', datasetId, csv, sha256(csv)]);
      return finish(client, request, leaseId, located.map((l) => l.outcome));
    });
  }

  /** Erasure and rectification of every matching row of every dataset not under legal hold, in one transaction. */
  function changeSubject(request: ClaimedRequest, leaseId: string) {
    return ctx.db.transaction(async (client) => {
      await client.query('SET LOCAL statement_timeout = 0');
      if ((await client.query(SQL['lock-own-request'], [request.id, leaseId])).rowCount === 0) throw new LeaseLostError();
      const escape = (s: string) => client.escapeIdentifier(s);
      const datasets = await datasetsWithPii(client);
      await lockDatasets(client, datasets.map((d) => d.id));
      const holds = await activeHolds(client, datasets.map((d) => d.id));
      const outcomes: DatasetOutcome[] = [];
      for (const dataset of datasets) {
        const { where, params, outcome } = locate(dataset, request.subject, escape);
        outcomes.push(outcome);
        if (!where) continue;
        const table = `${archiveTable(client, dataset.tableName)} AS t`;
        outcome.blockedBy = holds.get(dataset.id) ?? [];
        const sets =
          request.type === 'rectification'
            ? rectifyAssignments(dataset.columns, request.rectification ?? {}, params, escape)
            : request.erasure_mode === 'anonymise'
              ? anonymiseAssignments(effectiveTargets(dataset), params, escape)
              : undefined;
        if (outcome.blockedBy.length > 0 || sets?.length === 0) {
          // Held, or nothing of this dataset to rectify: count what matched, change nothing.
          const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params.values);
          outcome.rowsMatched = rows[0]!.n;
          continue;
        }
        const result = sets
          ? await client.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE ${where}`, params.values)
          : await client.query(`DELETE FROM ${table} WHERE ${where}`, params.values);
        outcome.rowsMatched = outcome.rowsAffected = result.rowCount ?? 0;
        if (!sets && outcome.rowsAffected > 0) await client.query(SQL['update-row-count'], [dataset.id, outcome.rowsAffected]);
      }
      return finish(client, request, leaseId, outcomes);
    });
  }

  /** Ends the request as rejected or failed; false when this attempt no longer owns it. */
  async function end(request: ClaimedRequest, leaseId: string, status: 'rejected' | 'failed', reason: string): Promise<boolean> {
    const ended = await ctx.db.transaction(async (client) => {
      const { rowCount } = await client.query(SQL['end-request'], [request.id, leaseId, status, reason]);
      if (rowCount === 0) return false;
      const action = `subject.request.${status === 'rejected' ? 'reject' : 'fail'}`;
      await audit.record({ ...auditEntry(SERVICE, action, `compliance_request:${request.id}`, { reason }), outcome: 'failure' }, client);
      return true;
    });
    if (ended) metrics.requests.inc({ type: request.type, regulation: request.regulation, status });
    return ended;
  }

  return async function processRequest(run: JobRun<RequestJob>): Promise<void> {
    const leaseId = randomUUID();
    const { rows } = await ctx.db.write.query<ClaimedRequest>(SQL['claim-request'], [run.data.requestId, leaseId]);
    const request = rows[0];
    if (!request) {
      log.info({ request_id: run.data.requestId }, 'decision: skip, the request is no longer open');
      return;
    }
    const fields = { request_id: request.id, request_type: request.type, regulation: request.regulation, attempt: run.attempt + 1 };
    try {
      // A dataset archived since the last scan must be in the catalogue before the subject is looked up.
      await discovery.ensureScanned();
      const summary = request.type === 'access' || request.type === 'portability'
        ? await exportSubject(request, leaseId)
        : await changeSubject(request, leaseId);
      metrics.requests.inc({ type: request.type, regulation: request.regulation, status: summary.status });
      log.info(
        { ...fields, rows_matched: summary.rowsMatched, rows_affected: summary.rowsAffected, exceptions: summary.exceptions },
        `decision: ${summary.status}; receipt recorded`,
      );
    } catch (e) {
      const lost = () => log.warn(fields, 'decision: stop, the request was rejected meanwhile or another worker owns it now');
      if (isLeaseLost(e)) return lost();
      const message = (e as Error).message;
      if (isDataError(e)) {
        if (!(await end(request, leaseId, 'rejected', `the archive refused the request's values: ${message}`))) return lost();
        log.warn({ ...fields, error: message }, 'decision: rejected; its values do not fit the archive; nothing was changed');
        return;
      }
      if (run.attempt >= RETRY_LIMIT) {
        if (!(await end(request, leaseId, 'failed', message))) return lost();
        log.warn({ ...fields, error: message }, 'decision: failed; no attempts left; nothing was changed');
        return;
      }
      await ctx.db.write.query(SQL['retry-request'], [request.id, leaseId, `attempt ${run.attempt + 1} failed: ${message}; retrying`]);
      log.warn({ ...fields, error: message }, 'decision: retry; nothing was changed by this attempt');
      throw e;
    }
  };
}
