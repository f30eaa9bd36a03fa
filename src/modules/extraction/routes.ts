import { z } from 'zod';
import { CAN, principalOf } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';
import { nameText } from '../../http/text.ts';
import type { ExtractionService } from './service.ts';
import { extractionSpec } from './spec.ts';
import { pageQuery } from '../../http/paging.ts';

const idParams = z.strictObject({ id: z.uuid({ message: 'must be an extraction id (a UUID)' }) });
const statuses = ['created', 'queued', 'running', 'completed', 'failed', 'cancelled'] as const;

const createBody = extractionSpec.extend({
  name: nameText(200),
  sourceId: z.uuid({ message: 'must be a data source id (a UUID)' }),
  /** Start at once (subject to the pool's admission). */
  start: z.boolean().default(false),
});

const page = pageQuery();

/** /api/v1/extractions and the archive catalogue /api/v1/archive/datasets. */
export function extractionRoutes(service: ExtractionService): Routes {
  return async (app) => {
    const tags = ['extractions'];
    app.post(
      '/api/v1/extractions',
      {
        config: { access: CAN.runJobs },
        schema: { tags, summary: 'Create an extraction of a source (a table or query for PostgreSQL)', body: createBody },
      },
      async (request, reply) => {
        const { start, ...input } = request.body;
        let view = await service.create(input, principalOf(request).userId);
        if (start) view = await service.start(view.id);
        return reply.code(201).send(view);
      },
    );
    app.get(
      '/api/v1/extractions',
      {
        config: { access: CAN.readJobs },
        schema: {
          tags,
          summary: 'List extractions, newest first',
          querystring: page.extend({ status: z.enum(statuses).optional() }),
        },
      },
      async (request) => ({ items: await service.list(request.query.status, request.query.limit, request.query.offset) }),
    );
    app.get(
      '/api/v1/extractions/:id',
      { config: { access: CAN.readJobs }, schema: { tags, summary: 'Status and progress of an extraction', params: idParams } },
      (request) => service.get(request.params.id),
    );
    app.post(
      '/api/v1/extractions/:id/start',
      {
        config: { access: CAN.runJobs },
        schema: { tags, summary: 'Queue an extraction (a failed one resumes from its checkpoint)', params: idParams },
      },
      async (request, reply) => reply.code(202).send(await service.start(request.params.id)),
    );
    app.post(
      '/api/v1/extractions/:id/cancel',
      { config: { access: CAN.runJobs }, schema: { tags, summary: 'Cancel an extraction', params: idParams } },
      async (request, reply) => reply.code(202).send(await service.cancel(request.params.id)),
    );
    app.get(
      '/api/v1/archive/datasets',
      { config: { access: CAN.readJobs }, schema: { tags: ['archive'], summary: 'The archive catalogue', querystring: page } },
      async (request) => ({ items: await service.datasets(request.query.limit, request.query.offset) }),
    );
  };
}
