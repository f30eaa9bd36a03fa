import type pg from 'pg';
import { JobInputError } from '../../jobs/attempts.ts';
import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import type { SourcesModule } from '../sources/index.ts';
import type { MigrationDefinition } from './definition.ts';
import { compilePlan, type Plan } from './plan.ts';
import { describeReferences, describeTable, type PostgresSource } from './target.ts';

/** The target of a definition, which must still be a PostgreSQL source. */
export async function resolveTarget(sources: SourcesModule, definition: MigrationDefinition): Promise<PostgresSource> {
  const target = await sources.resolve(definition.target.sourceId);
  if (target.kind !== 'postgres') throw new JobInputError(`the target data source ${target.name} is a ${target.kind} source; migrations load into PostgreSQL sources only`);
  return target;
}

/** Describes the target table and the referenced tables, and compiles the definition against them and the source. */
export async function planMigration(client: pg.ClientBase, definition: MigrationDefinition, sourceColumns: ArchiveColumn[], salt: Buffer): Promise<Plan> {
  const target = await describeTable(client, definition.target.table);
  const references = await describeReferences(
    client,
    definition.rules.flatMap((r) => (r.type === 'referential' ? [r.table] : [])),
  );
  return compilePlan({ definition, sourceColumns, target, references, salt });
}

