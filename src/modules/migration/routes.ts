import { z } from 'zod';
import { CAN, principalOf } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';
import { createMigrationBody } from './definition.ts';
import { MIGRATION_STATUSES, type Actor, type MigrationService } from './service.ts';
import { pageQuery } from '../../http/paging.ts';

// Any text: an id that is not a UUID names no migration (404), like an unknown one.
const idParams = z.strictObject({ id: z.string().min(1).max(100) });

const page = pageQuery();

const actorOf = (request: Parameters<typeof principalOf>[0]): Actor => ({ principal: principalOf(request), ip: request.ip });

/** /api/v1/migrations: define, start, roll back and inspect migrations into PostgreSQL targets. */
export function migrationRoutes(service: MigrationService): Routes {
  return async (app) => {
    const tags = ['migrations'];
    app.post(
      '/api/v1/migrations',
      {
        config: { access: CAN.runJobs },
        schema: {
          tags,
          summary: 'Define a migration from a data source or archived dataset into a PostgreSQL target (checked against both)',
          body: createMigrationBody,
        },
      },
      async (request, reply) => {
        const { name, start, ...definition } = request.body;
        const actor = actorOf(request);
        let view = await service.create(name, definition, actor);
        if (start) view = await service.start(view.id, actor);
        return reply.code(201).send(view);
      },
    );
    app.get(
      '/api/v1/migrations',
      {
        config: { access: CAN.readJobs },
        schema: { tags, summary: 'List migrations, newest first', querystring: page.extend({ status: z.enum(MIGRATION_STATUSES).optional() }) },
      },
      async (request) => ({ items: await service.list(request.query.status, request.query.limit, request.query.offset) }),
    );
    app.get(
      '/api/v1/migrations/:id',
      { config: { access: CAN.readJobs }, schema: { tags, summary: 'Status per phase, counts, verification and rollback of a migration', params: idParams } },
      (request) => service.get(request.params.id),
    );
    app.get(
      '/api/v1/migrations/:id/rejects',
      {
        // Rejected rows are source data.
        config: { access: CAN.readArchive },
        schema: {
          tags,
          summary: 'Source rows a migration rejected, with the rule and the reason, in source order',
          params: idParams,
          querystring: page.extend({ rule: z.string().min(1).max(200).optional() }),
        },
      },
      (request) => service.rejects(request.params.id, request.query.rule, request.query.limit, request.query.offset),
    );
    app.post(
      '/api/v1/migrations/:id/start',
      {
        config: { access: CAN.runJobs },
        schema: { tags, summary: 'Queue a migration run (a failed run resumes after its last committed chunk)', params: idParams },
      },
      async (request, reply) => reply.code(202).send(await service.start(request.params.id, actorOf(request))),
    );
    app.post(
      '/api/v1/migrations/:id/rollback',
      {
        config: { access: CAN.runJobs },
        schema: { tags, summary: 'Queue the removal of exactly the rows the migration loaded (and of a table it created)', params: idParams },
      },
      async (request, reply) => reply.code(202).send(await service.rollback(request.params.id, actorOf(request))),
    );
  };
}
