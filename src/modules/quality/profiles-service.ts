import type { AppContext } from '../../context.ts';
import { unprocessable } from '../../http/errors.ts';
import type { AuditModule } from '../audit/index.ts';
import { findDataset } from './datasets.ts';
import { profileDataset, type DatasetProfile } from './profiler.ts';
import type { Requester } from './requester.ts';

const QUERY_CANCELED = '57014';

/** Profiles on request: synchronous, on the analytics pool, each statement bounded by its statement timeout. */
export function createProfilesService(ctx: AppContext, audit: AuditModule) {
  return {
    async profile(datasetId: string, requester: Requester): Promise<DatasetProfile> {
      const dataset = await findDataset(ctx.db.write, datasetId);
      if (!dataset) throw unprocessable(`dataset ${datasetId} does not exist; see GET /api/v1/archive/datasets`);
      const client = await ctx.db.analytics.connect();
      let profile: DatasetProfile;
      try {
        profile = await profileDataset(client, dataset);
      } catch (e) {
        if ((e as { code?: unknown }).code !== QUERY_CANCELED) throw e;
        throw unprocessable(
          `profiling dataset ${datasetId} takes longer than the analytics statement timeout ` +
            `(${ctx.config.database.pools.analytics.statementTimeoutMs} ms); profile it in a check job instead: ` +
            'POST /api/v1/quality/checks with profile: true',
        );
      } finally {
        client.release();
      }
      await audit.record({
        ...requester,
        action: 'dataset.profile',
        target: `dataset:${datasetId}`,
        outcome: 'success',
        details: { columns: profile.columns.length, rows: profile.rows },
      });
      return profile;
    },
  };
}

export type ProfilesService = ReturnType<typeof createProfilesService>;
