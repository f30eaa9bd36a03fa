import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { notFound, unprocessable } from '../../http/errors.ts';
import type { AuditModule } from '../audit/index.ts';
import { auditEntry, type Actor } from './actor.ts';
import type { PiiCategory } from './categories.ts';
import { isJsonColumn, isUuid, requireDataset } from './datasets.ts';

const SQL = sqlFiles(import.meta.dirname, ['list-catalogue', 'get-catalogue-entry', 'review-catalogue', 'add-catalogue']);

export type CatalogueStatus = 'proposed' | 'confirmed' | 'rejected';

interface EntryRow {
  id: string;
  dataset_id: string;
  table_name: string;
  column_name: string;
  json_path: string[];
  category: PiiCategory;
  confidence: number;
  evidence_count: number;
  sampled_values: number;
  detected_by: string[];
  status: CatalogueStatus;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  updated_at: Date;
}

const present = (r: EntryRow) => ({
  id: r.id,
  datasetId: r.dataset_id,
  table: `archive.${r.table_name}`,
  column: r.column_name,
  jsonPath: r.json_path.length > 0 ? r.json_path : null,
  category: r.category,
  confidence: r.confidence,
  evidenceCount: r.evidence_count,
  sampledValues: r.sampled_values,
  detectedBy: r.detected_by,
  status: r.status,
  reviewedBy: r.reviewed_by,
  reviewedAt: r.reviewed_at?.toISOString() ?? null,
  updatedAt: r.updated_at.toISOString(),
});

export interface CatalogueFilter {
  datasetId?: string | undefined;
  status?: CatalogueStatus | undefined;
  category?: PiiCategory | undefined;
  limit: number;
  offset: number;
}

/** The PII catalogue as people see and correct it. */
export function createCatalogue(ctx: AppContext, audit: AuditModule) {
  async function get(id: string) {
    const { rows } = isUuid(id) ? await ctx.db.write.query<EntryRow>(SQL['get-catalogue-entry'], [id]) : { rows: [] };
    if (!rows[0]) throw notFound('catalogue entry', id);
    return present(rows[0]);
  }

  return {
    async list(filter: CatalogueFilter) {
      const { datasetId, status, category, limit, offset } = filter;
      const { rows } = await ctx.db.read().query<EntryRow>(SQL['list-catalogue'], [datasetId ?? null, status ?? null, category ?? null, limit, offset]);
      return rows.map(present);
    },

    /** A person's decision on an entry; requests use confirmed entries in preference to proposed ones. */
    async review(id: string, status: CatalogueStatus, actor: Actor) {
      if (!isUuid(id)) throw notFound('catalogue entry', id);
      await ctx.db.transaction(async (client) => {
        const { rows } = await client.query<{ dataset_id: string; column_name: string; json_path: string[]; category: string }>(
          SQL['review-catalogue'],
          [id, status, actor.userId],
        );
        const entry = rows[0];
        if (!entry) throw notFound('catalogue entry', id);
        await audit.record(
          auditEntry(actor, 'pii.review', `pii_catalogue:${id}`, {
            status,
            datasetId: entry.dataset_id,
            column: entry.column_name,
            jsonPath: entry.json_path,
            category: entry.category,
          }),
          client,
        );
      });
      return get(id);
    },

    /** Names a column or JSON field as PII that discovery missed; confirmed at once. */
    async add(input: { datasetId: string; column: string; jsonPath?: string[] | undefined; category: PiiCategory }, actor: Actor) {
      const dataset = await requireDataset(ctx.db.write, input.datasetId);
      const column = dataset.columns.find((c) => c.name === input.column);
      if (!column) {
        throw unprocessable(`dataset ${dataset.id} has no column "${input.column}"; it has: ${dataset.columns.map((c) => c.name).join(', ')}`);
      }
      const jsonPath = input.jsonPath ?? [];
      if (jsonPath.length > 0 && !isJsonColumn(column)) {
        throw unprocessable(`column "${column.name}" is ${column.type}, not JSON: it has no fields for jsonPath to name`);
      }
      const id = await ctx.db.transaction(async (client) => {
        const { rows } = await client.query<{ id: string }>(SQL['add-catalogue'], [dataset.id, column.name, jsonPath, input.category, actor.userId]);
        const entryId = rows[0]!.id;
        const details = { datasetId: dataset.id, column: column.name, jsonPath, category: input.category };
        await audit.record(auditEntry(actor, 'pii.add', `pii_catalogue:${entryId}`, details), client);
        return entryId;
      });
      return get(id);
    },
  };
}

export type Catalogue = ReturnType<typeof createCatalogue>;
