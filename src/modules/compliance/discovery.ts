import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import type { Logger } from '../../observability/logger.ts';
import type { AuditModule } from '../audit/index.ts';
import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import { auditEntry, SERVICE, type Actor } from './actor.ts';
import { archiveTable, isJsonColumn, requireDataset, toDataset, type ArchivedDataset, type DatasetRow } from './datasets.ts';
import { collectJsonFields, type JsonField } from './json-fields.ts';
import { assess, type Finding } from './pii-detection.ts';

const SQL = sqlFiles(import.meta.dirname, ['upsert-catalogue', 'prune-catalogue', 'record-scan', 'datasets-to-scan']);

/** Rows sampled per dataset: enough to see a pattern, bounded whatever the archive's size. */
const SAMPLE_ROWS = 1000;
// Types whose text can hold an e-mail, phone, IBAN, SSN or card number.
const CONTENT_TYPES = /^(text|character varying|character|citext|name|bigint|numeric)\b/;

/** A finding as stored: where, what, and its review status. */
export interface CatalogueFinding extends Finding {
  id: string;
  column: string;
  jsonPath: string[] | null;
  status: string;
}

export interface ScanSummary {
  datasetId: string;
  table: string;
  sampledRows: number;
  findings: CatalogueFinding[];
}

interface Located extends Finding {
  column: string;
  jsonPath: string[];
}

/** Findings of every column; JSON columns by field, named by their last key. */
function findingsOf(columns: ArchiveColumn[], sampled: ArchiveColumn[], rows: unknown[][]): Located[] {
  const located: Located[] = [];
  for (const column of columns) {
    const index = sampled.indexOf(column);
    const values = index < 0 ? [] : rows.map((r) => r[index]);
    if (!isJsonColumn(column)) {
      const texts = values.filter((v): v is string => typeof v === 'string');
      located.push(...assess(column.name, texts).map((f) => ({ ...f, column: column.name, jsonPath: [] })));
      continue;
    }
    const scalars = values.filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
    located.push(...assess(column.name, scalars).map((f) => ({ ...f, column: column.name, jsonPath: [] })));
    const fields = new Map<string, JsonField>();
    for (const value of values) collectJsonFields(value, fields);
    for (const field of fields.values()) {
      const key = field.path[field.path.length - 1]!;
      located.push(...assess(key, field.values).map((f) => ({ ...f, column: column.name, jsonPath: field.path })));
    }
  }
  return located;
}

/**
 * PII discovery: samples archived datasets on the analytics pool, decides categories per column
 * and JSON field, and records them in the catalogue as proposals for a person to confirm or
 * reject.
 */
export function createDiscovery(ctx: AppContext, audit: AuditModule, log: Logger) {
  async function sample(dataset: ArchivedDataset, columns: ArchiveColumn[]): Promise<unknown[][]> {
    if (columns.length === 0) return [];
    const client = await ctx.db.analytics.connect();
    try {
      const list = columns.map((c) => `t.${client.escapeIdentifier(c.name)}${isJsonColumn(c) ? '' : '::text'}`).join(', ');
      // Page sampling reads only the sampled pages of a large table; a small one is read whole.
      const percent = Math.min(100, Math.max(0.01, ((SAMPLE_ROWS * 10) / Math.max(1, dataset.rowCount)) * 100));
      const { rows } = await client.query<unknown[]>({
        text: `SELECT ${list} FROM ${archiveTable(client, dataset.tableName)} AS t TABLESAMPLE SYSTEM ($1) LIMIT $2`,
        values: [percent, SAMPLE_ROWS],
        rowMode: 'array',
      });
      return rows;
    } finally {
      client.release();
    }
  }

  async function scan(dataset: ArchivedDataset, actor: Actor): Promise<ScanSummary> {
    const sampled = dataset.columns.filter((c) => isJsonColumn(c) || CONTENT_TYPES.test(c.type));
    const rows = await sample(dataset, sampled);
    const located = findingsOf(dataset.columns, sampled, rows);
    const findings = await ctx.db.transaction(async (client) => {
      const stored: CatalogueFinding[] = [];
      for (const f of located) {
        const { rows: saved } = await client.query<{ id: string; status: string }>(SQL['upsert-catalogue'], [
          dataset.id,
          f.column,
          f.jsonPath,
          f.category,
          f.confidence,
          f.evidenceCount,
          f.sampledValues,
          f.detectedBy,
        ]);
        stored.push({ ...f, id: saved[0]!.id, status: saved[0]!.status, jsonPath: f.jsonPath.length > 0 ? f.jsonPath : null });
      }
      await client.query(SQL['prune-catalogue'], [dataset.id, stored.map((s) => s.id)]);
      await client.query(SQL['record-scan'], [dataset.id, rows.length]);
      await audit.record(
        auditEntry(actor, 'pii.discover', `dataset:${dataset.id}`, { sampledRows: rows.length, findings: stored.length }),
        client,
      );
      return stored;
    });
    log.info({ dataset_id: dataset.id, sampled_rows: rows.length, findings: findings.length }, 'PII scan recorded');
    return { datasetId: dataset.id, table: `archive.${dataset.tableName}`, sampledRows: rows.length, findings };
  }

  async function datasetsToScan(db: pg.Pool, all: boolean): Promise<ArchivedDataset[]> {
    const { rows } = await db.query<DatasetRow>(SQL['datasets-to-scan'], [all]);
    return rows.map(toDataset);
  }

  return {
    /** Scans one dataset (422 when it does not exist) or every dataset. */
    async discover(datasetId: string | undefined, actor: Actor): Promise<ScanSummary[]> {
      const datasets = datasetId ? [await requireDataset(ctx.db.read(), datasetId)] : await datasetsToScan(ctx.db.read(), true);
      const summaries: ScanSummary[] = [];
      for (const dataset of datasets) summaries.push(await scan(dataset, actor));
      return summaries;
    },

    /** Scans the datasets never scanned, or re-extracted since: requests must not miss a new archive. */
    async ensureScanned(): Promise<void> {
      // Write pool: a dataset recorded a moment ago must not be missed by a lagging replica.
      for (const dataset of await datasetsToScan(ctx.db.write, false)) await scan(dataset, SERVICE);
    },
  };
}

export type Discovery = ReturnType<typeof createDiscovery>;
