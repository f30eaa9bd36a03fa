import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { JobInputError } from '../../jobs/attempts.ts';
import { openReader } from '../extraction/readers/open-reader.ts';
import { openPostgresReader } from '../extraction/readers/postgres-reader.ts';
import type { ExtractionReader } from '../extraction/readers/reader.ts';
import type { SourcesModule } from '../sources/index.ts';
import { parsePostgresDsn } from '../sources/postgres-dsn.ts';
import type { SourceSpec } from './definition.ts';

const SQL = sqlFiles(import.meta.dirname, ['get-dataset']);

/**
 * The reader of a migration's source: a data source through the extraction engine's readers,
 * or an archived dataset (`archive.ext_<id>` in the platform database) through the PostgreSQL
 * reader, connected as the analytics role (a long scan). Throws JobInputError when the
 * source cannot be read as defined.
 */
export async function openSourceReader(ctx: AppContext, sources: SourcesModule, spec: SourceSpec): Promise<{ reader: ExtractionReader; kind: string }> {
  if ('datasetId' in spec) {
    const { rows } = await ctx.db.read().query<{ table_name: string }>(SQL['get-dataset'], [spec.datasetId]);
    if (!rows[0]) throw new JobInputError(`archive dataset ${spec.datasetId} does not exist`);
    const { settings, password } = parsePostgresDsn(ctx.db.analytics.options.connectionString!);
    const reader = await openPostgresReader(settings, password === undefined ? {} : { password }, {
      table: `archive.${rows[0].table_name}`,
      ...(spec.keyColumns ? { keyColumns: spec.keyColumns } : {}),
    });
    return { reader, kind: 'dataset' };
  }
  const source = await sources.resolve(spec.sourceId);
  const { sourceId: _id, ...extraction } = spec;
  return { reader: await openReader(source, extraction, ctx.config.sources.httpTimeoutMs), kind: source.kind };
}
