import type pg from 'pg';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { conflict, notFound } from '../../http/errors.ts';
import type { AuditModule } from '../audit/index.ts';
import { auditEntry, type Actor } from './actor.ts';
import { isUuid, lockDatasets, requireDataset } from './datasets.ts';

const SQL = sqlFiles(import.meta.dirname, ['insert-hold', 'list-holds', 'release-hold']);

interface HoldRow {
  id: string;
  dataset_id: string;
  table_name: string;
  reason: string;
  placed_by: string | null;
  placed_at: Date;
  released_by: string | null;
  released_at: Date | null;
}

const present = (r: HoldRow) => ({
  id: r.id,
  datasetId: r.dataset_id,
  table: `archive.${r.table_name}`,
  reason: r.reason,
  active: r.released_at === null,
  placedBy: r.placed_by,
  placedAt: r.placed_at.toISOString(),
  releasedBy: r.released_by,
  releasedAt: r.released_at?.toISOString() ?? null,
});

export interface HoldFilter {
  datasetId?: string | undefined;
  active: boolean;
  limit: number;
  offset: number;
}

/**
 * Legal holds: a dataset under an active hold is not erased, rectified, trimmed or anonymised.
 * Placing and releasing take the dataset's lock, so they wait for a running erasure or
 * retention run, and those see every hold committed before them.
 */
export function createLegalHolds(ctx: AppContext, audit: AuditModule) {
  async function find(db: pg.Pool | pg.PoolClient, id: string): Promise<HoldRow | undefined> {
    if (!isUuid(id)) return undefined;
    return (await db.query<HoldRow>(SQL['list-holds'], [id, null, false, 1, 0])).rows[0];
  }

  async function get(id: string) {
    const row = await find(ctx.db.write, id);
    if (!row) throw notFound('legal hold', id);
    return present(row);
  }

  return {
    get,

    async list(filter: HoldFilter) {
      const { datasetId, active, limit, offset } = filter;
      const { rows } = await ctx.db.read().query<HoldRow>(SQL['list-holds'], [null, datasetId ?? null, active, limit, offset]);
      return rows.map(present);
    },

    async place(datasetId: string, reason: string, actor: Actor) {
      const id = await ctx.db.transaction(async (client) => {
        const dataset = await requireDataset(client, datasetId);
        await lockDatasets(client, [dataset.id]);
        const { rows } = await client.query<{ id: string }>(SQL['insert-hold'], [dataset.id, reason, actor.userId]);
        const holdId = rows[0]!.id;
        await audit.record(auditEntry(actor, 'legal_hold.place', `legal_hold:${holdId}`, { datasetId: dataset.id, reason }), client);
        return holdId;
      });
      return get(id);
    },

    async release(id: string, actor: Actor) {
      await ctx.db.transaction(async (client) => {
        const hold = await find(client, id);
        if (!hold) throw notFound('legal hold', id);
        await lockDatasets(client, [hold.dataset_id]);
        const { rowCount } = await client.query(SQL['release-hold'], [id, actor.userId]);
        if (rowCount === 0) throw conflict(`legal hold ${id} is already released`);
        await audit.record(auditEntry(actor, 'legal_hold.release', `legal_hold:${id}`, { datasetId: hold.dataset_id, reason: hold.reason }), client);
      });
      return get(id);
    },
  };
}

export type LegalHolds = ReturnType<typeof createLegalHolds>;
